"""The studio's field editors in headless Chromium: arrays of objects and of references,
references picked by search, images, geopoints and block text (Portable Text).

Called by studio_test.py once the admin has signed in:

    field_editors.check_field_editors(studio, api)

Each step edits through the page as an editor would (keyboard first), waits for the draft to be
saved, and reads what the server stored through the HTTP API. Every draft it makes is deleted
at the end, so the rest of the flow sees the demo data as seeded.
"""

import json
import re
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys


def check_field_editors(studio, api):
    flow = FieldEditors(studio, api)
    try:
        flow.portable_text_round_trip()
        flow.product_images_and_description()
        flow.product_image_upload()
        flow.campaign_brief_upload()
        flow.reference_picker()
        flow.geopoint()
        flow.object_members()
    finally:
        flow.clean_up()


def failure_type(studio):
    """The flow's own failure type, so that its runner reports these failures as its own."""
    return getattr(sys.modules.get(type(studio).__module__), "StudioFailure", AssertionError)


def field(path):
    """The CSS selector of the field frame at a marker path such as `images[_key=="a1"].alt`."""
    return '.field[data-path="%s"]' % path.replace("\\", "\\\\").replace('"', '\\"')


def member(path, key):
    return f'{path}[_key=="{key}"]'


# Portable Text the editor must read back exactly as it showed it: marks in order, links and
# their keys, soft line breaks, empty paragraphs, styles and lists it does not edit, and content
# it cannot edit at all (a custom block, an unknown annotation).
ROUND_TRIP_FIXTURES = [
    [{"_type": "block", "_key": "p0", "style": "normal", "markDefs": [],
      "children": [{"_type": "span", "_key": "p0s0", "text": "A plain paragraph.", "marks": []}]}],
    [{"_type": "block", "_key": "b1", "style": "normal",
      "markDefs": [{"_key": "l1", "_type": "link", "href": "https://maison.example/atelier"}],
      "children": [
          {"_type": "span", "_key": "s1", "text": "See the ", "marks": []},
          {"_type": "span", "_key": "s2", "text": "collection", "marks": ["strong", "l1"]},
          {"_type": "span", "_key": "s3", "text": " in ", "marks": ["l1"]},
          {"_type": "span", "_key": "s4", "text": "italic bold", "marks": ["em", "strong"]},
          {"_type": "span", "_key": "s5", "text": "., then", "marks": []}]},
     {"_type": "block", "_key": "b2", "style": "normal", "markDefs": [],
      "children": [{"_type": "span", "_key": "s6", "text": "", "marks": []}]},
     {"_type": "block", "_key": "b3", "style": "normal", "markDefs": [{"_key": "m1", "_type": "link", "href": "mailto:atelier@maison.example"}],
      "children": [{"_type": "span", "_key": "s7", "text": "Line one\nline two\n", "marks": ["m1"]},
                   {"_type": "span", "_key": "s8", "text": "under", "marks": ["underline"]},
                   {"_type": "span", "_key": "s9", "text": "code & <tags>", "marks": ["code", "strike-through"]}]}],
    [{"_type": "block", "_key": "h", "style": "h2", "markDefs": [],
      "children": [{"_type": "span", "_key": "hs", "text": "A heading  with  spaces ", "marks": []}]},
     {"_type": "block", "_key": "li", "style": "normal", "listItem": "bullet", "level": 1, "markDefs": [],
      "children": [{"_type": "span", "_key": "lis", "text": "A list item", "marks": []}]},
     {"_type": "callout", "_key": "c1", "tone": "note", "text": "Not a block: kept as it is"},
     {"_type": "block", "_key": "q", "style": "blockquote",
      "markDefs": [{"_key": "n1", "_type": "comment", "text": "an annotation the editor does not edit"}],
      "children": [{"_type": "span", "_key": "qs", "text": "Quoted", "marks": ["n1"]}]}],
]


class FieldEditors:
    def __init__(self, studio, api):
        self.studio = studio
        self.api = api
        self.driver = studio.driver
        self.Failure = failure_type(studio)
        self.touched = []

    # -- helpers --------------------------------------------------------------------------

    def open_document(self, hash_path, document_id, title):
        """Opens a document by the desk's address, as a link to it would."""
        self.driver.execute_script("location.hash = arguments[0]", f"#/desk/{hash_path}/:{document_id}")
        if title:
            self.studio.text_of("#editor-title", title, f"the editor of {document_id}")
        self.studio.visible(".document-form", f"the form of {document_id}")
        self.touched.append(document_id)

    def find(self, selector, what=None):
        return self.studio.visible(selector, what or selector)

    def draft(self, document_id):
        return self.api.query("*[_id == $id][0]", {"id": "drafts." + document_id})

    def saved(self, document_id, check, what):
        """Waits until the page says "Saved" and the stored draft passes `check`."""
        found = {}

        def ready(driver):
            if driver.find_element(By.ID, "save-state").text != "Saved":
                return False
            found["draft"] = self.draft(document_id)
            return found["draft"] is not None and check(found["draft"])

        self.studio.wait(ready, what)
        return found["draft"]

    def focused(self):
        return self.driver.switch_to.active_element

    # -- steps ----------------------------------------------------------------------------

    def portable_text_round_trip(self):
        """The converter reads back exactly what it shows, and reads the browser's own markup."""
        answer = self.driver.execute_async_script("""
            const [fixtures, done] = [arguments[0], arguments[arguments.length - 1]];
            import("/studio/fields/portabletext.js").then(({ renderBlocks, readBlocks }) => {
              const roundTrips = fixtures.map((blocks) => {
                const root = document.createElement("div");
                root.append(renderBlocks(blocks));
                return readBlocks(root, blocks);
              });
              // What Chromium's editing commands write: <b>, <i>, <a href>, <div> paragraphs.
              const root = document.createElement("div");
              root.innerHTML = 'Loose <b>bold</b><div>Second <i>it<b>alic</b></i> <a href="https://x.example/">link</a><br></div><p><br></p>';
              done({ roundTrips, foreign: readBlocks(root, []) });
            }).catch((error) => done({ error: String(error) }));
        """, ROUND_TRIP_FIXTURES)
        if "error" in answer:
            raise self.Failure(f"the Portable Text module failed to load: {answer['error']}")
        for fixture, read in zip(ROUND_TRIP_FIXTURES, answer["roundTrips"]):
            if read != fixture:
                raise self.Failure("Portable Text did not round-trip through the editor:\n  "
                                   f"shown   {json.dumps(fixture)}\n  read as {json.dumps(read)}")
        foreign = answer["foreign"]
        shape = [[(span["text"], span["marks"]) for span in block["children"]] for block in foreign]
        link_key = foreign[1]["markDefs"][0]["_key"] if len(foreign) > 1 and foreign[1]["markDefs"] else None
        expected = [[("Loose ", []), ("bold", ["strong"])],
                    [("Second ", []), ("it", ["em"]), ("alic", ["em", "strong"]), (" ", []), ("link", [link_key])],
                    [("", [])]]
        if shape != expected or foreign[1]["markDefs"] != [{"_key": link_key, "_type": "link", "href": "https://x.example/"}]:
            raise self.Failure(f"the browser's markup reads as {json.dumps(foreign)}, expected the spans {expected}")
        keys = [block["_key"] for block in foreign] + [span["_key"] for block in foreign for span in block["children"]]
        if len(set(keys)) != len(keys) or not all(re.fullmatch(r"[0-9a-f]{12}", key) for key in keys):
            raise self.Failure(f"new blocks and spans got the keys {keys}, expected distinct 12-digit hex keys")

    def product_images_and_description(self):
        studio = self.studio
        product = self.api.query('*[_type == "product" && !(_id in path("drafts.**")) && count(description) > 0] | order(_id desc)[0]'
                                 '{_id, name, description, images}')
        if product is None:
            raise self.Failure("the demo holds no product with a description")
        pid = product["_id"]
        self.open_document("commerce/product", pid, product["name"])
        before = product.get("images") or []

        # Add an image: its URL first, so the missing alternative text is pointed out.
        studio.click(f'{field("images")} .member-add', "Add image")
        url = self.focused()
        if url.get_attribute("type") != "url":
            raise self.Failure("adding an image did not put the focus in its URL box")
        url.send_keys("/studio/favicon.svg", Keys.TAB)
        first = self.find(f'{field("images")} .member-item:last-child .field.member')
        first_key = first.get_attribute("data-key")
        if not re.fullmatch(r"[0-9a-f]{12}", first_key or ""):
            raise self.Failure(f"the new image's key is {first_key!r}, expected 12 hexadecimal characters")
        image_path = member("images", first_key)
        warning = self.find(f"{field(image_path)} .image-alt-warning", "the warning that the image has no alternative text")
        if "alternative text" not in warning.text:
            raise self.Failure(f"the missing-alt warning says {warning.text!r}")
        studio.screenshot("image-without-alt")
        alt = self.driver.find_element(By.CSS_SELECTOR, f'{field(image_path + ".alt")} input')
        alt.send_keys("The Facet mark")
        studio.wait(lambda driver: not warning.is_displayed(), "the missing-alt warning to go once the alt is typed")
        preview = self.find(f"{field(image_path)} .image-preview img", "the image's preview")
        studio.wait(lambda driver: preview.get_attribute("alt") == "The Facet mark" and
                    driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", preview),
                    "the preview to load with the alternative text")
        self.saved(pid, lambda draft: (draft.get("images") or [])[-1:] == [
            {"_type": "image", "_key": first_key, "url": "/studio/favicon.svg", "alt": "The Facet mark"}],
            "the new image stored with its URL and alt")

        # A second image, then moved above the first with the keyboard.
        studio.click(f'{field("images")} .member-add', "Add image")
        self.focused().send_keys("/studio/favicon.svg")
        second = self.find(f'{field("images")} .member-item:last-child .field.member')
        second_key = second.get_attribute("data-key")
        self.driver.find_element(By.CSS_SELECTOR, f'{field(member("images", second_key) + ".alt")} input').send_keys("The mark again")
        self.saved(pid, lambda draft: [image.get("alt") for image in draft.get("images") or []][-2:] == ["The Facet mark", "The mark again"],
                   "both images stored")
        up = self.driver.find_element(By.CSS_SELECTOR, f'{field(member("images", second_key))} .member-up')
        if up.get_attribute("aria-label") != f"Move up Image {len(before) + 2}":
            raise self.Failure(f"the move button is labelled {up.get_attribute('aria-label')!r}")
        self.driver.execute_script("arguments[0].focus()", up)
        self.focused().send_keys(Keys.ENTER)
        keys_after = lambda draft: [image.get("_key") for image in draft.get("images") or []]
        kept = len(before)
        self.saved(pid, lambda draft: keys_after(draft)[kept:] == [second_key, first_key], "the second image stored before the first")
        if self.focused().get_attribute("data-member-index") != str(kept):
            raise self.Failure("after moving an image the keyboard focus did not stay on the moved image's buttons")

        # Remove the first image again (by keyboard): only the moved one is left of the two.
        remove = self.driver.find_element(By.CSS_SELECTOR, f'{field(member("images", first_key))} .member-remove')
        self.driver.execute_script("arguments[0].focus()", remove)
        self.focused().send_keys(Keys.ENTER)
        self.saved(pid, lambda draft: keys_after(draft)[kept:] == [second_key], "only the moved image left of the two")
        if self.driver.find_elements(By.CSS_SELECTOR, field(member("images", first_key))):
            raise self.Failure("the removed image is still shown")
        studio.screenshot("image-editor")
        studio.check_console("editing images")

        # Block text: a new paragraph with bold, italic and a link, typed with the shortcuts.
        editor = self.find(f'{field("description")} .block-editor', "the description's text")
        studio.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", editor)
        editor.click()
        editor.send_keys(Keys.CONTROL, Keys.END)
        editor.send_keys(Keys.ENTER, "Plain ")
        editor.send_keys(Keys.CONTROL, "b")
        bold = self.driver.find_element(By.CSS_SELECTOR, f'{field("description")} .format-bold')
        editor.send_keys("bold")
        studio.wait(lambda driver: bold.get_attribute("aria-pressed") == "true", "Bold to show as pressed inside bold text")
        editor.send_keys(Keys.CONTROL, "b")
        editor.send_keys(" and ")
        editor.send_keys(Keys.CONTROL, "i")
        editor.send_keys("italic")
        editor.send_keys(Keys.CONTROL, "i")
        editor.send_keys(" with a link")
        for _ in range(len("link")):
            editor.send_keys(Keys.SHIFT, Keys.ARROW_LEFT)
        editor.send_keys(Keys.CONTROL, "k")
        href = self.find(f'{field("description")} .link-form input[type=url]', "the link form")
        href.send_keys("ftp://nowhere")
        href.send_keys(Keys.ENTER)
        refusal = self.find(f'{field("description")} .link-form .field-error', "the refusal of a link the server would reject")
        if "https://" not in refusal.text:
            raise self.Failure(f"the bad link's error says {refusal.text!r}")
        studio.replace_text(href, "https://maison.example/atelier")
        href.send_keys(Keys.ENTER)
        link_button = self.driver.find_element(By.CSS_SELECTOR, f'{field("description")} .format-link')
        studio.wait(lambda driver: link_button.get_attribute("aria-pressed") == "true", "Link to show as pressed on the linked words")

        def new_paragraph(draft):
            blocks = draft.get("description") or []
            return len(blocks) == len(product["description"]) + 1 and "".join(
                span["text"] for span in blocks[-1]["children"]) == "Plain bold and italic with a link"

        stored = self.saved(pid, new_paragraph, "the new paragraph in the stored description")["description"]
        if stored[:-1] != product["description"]:
            raise self.Failure(f"editing changed the paragraphs that were not edited:\n  before {product['description']}\n  after  {stored[:-1]}")
        last = stored[-1]
        links = last.get("markDefs") or []
        if len(links) != 1 or links[0].get("_type") != "link" or links[0].get("href") != "https://maison.example/atelier":
            raise self.Failure(f"the paragraph's link definitions are {links}")
        spans = [(span["text"], span["marks"]) for span in last["children"]]
        expected = [("Plain ", []), ("bold", ["strong"]), (" and ", []), ("italic", ["em"]), (" with a ", []), ("link", [links[0]["_key"]])]
        if spans != expected or last.get("style") != "normal" or last.get("_type") != "block":
            raise self.Failure(f"the paragraph is stored as {json.dumps(last)}, expected the spans {expected}")
        if len({span["_key"] for span in last["children"]}) != len(last["children"]) or last["_key"] in {block["_key"] for block in stored[:-1]}:
            raise self.Failure(f"the new paragraph's keys are not unique: {json.dumps(stored)}")
        markers = self.api.call(f"/v1/data/validate/production/{pid}")["markers"]
        text_markers = [marker for marker in markers if marker["path"].startswith("description") or marker["path"].startswith("images")]
        if text_markers:
            raise self.Failure(f"the server finds problems in the edited description or images: {text_markers}")
        studio.screenshot("block-text-editor")
        studio.check_labels("the product's field editors")
        studio.check_accessibility("the product's field editors")
        studio.check_console("editing block text")

    def reference_picker(self):
        studio = self.studio
        member_of_staff = self.api.query('*[_type == "staff" && !(_id in path("drafts.**"))] | order(_id)[0]{_id, name, assignedCustomers}')
        assigned = [reference["_ref"] for reference in member_of_staff.get("assignedCustomers") or []]
        customer = self.api.query('*[_type == "customer" && !(_id in $assigned) && !(_id in path("drafts.**"))] | order(name)[3]{_id, name}',
                                  {"assigned": assigned})
        sid = member_of_staff["_id"]
        self.open_document("team/staff", sid, member_of_staff["name"])
        studio.click(f'{field("assignedCustomers")} .member-add', "Add to the assigned customers")
        search = self.focused()
        if search.get_attribute("role") != "combobox":
            raise self.Failure("adding an assigned customer did not put the focus in the search box")
        search.send_keys(customer["name"])
        studio.wait(lambda driver: any(customer["name"] in option.text for option in
                                       driver.find_elements(By.CSS_SELECTOR, f'{field("assignedCustomers")} [role=option]')),
                    f"{customer['name']} among the search's options")
        if search.get_attribute("aria-expanded") != "true":
            raise self.Failure("the search box does not say its list is open")
        studio.screenshot("reference-picker")
        for _ in range(12):
            active = search.get_attribute("aria-activedescendant")
            if active and customer["name"] in self.driver.find_element(By.ID, active).text:
                break
            search.send_keys(Keys.ARROW_DOWN)
        else:
            raise self.Failure(f"the arrow keys never reached {customer['name']} in the list")
        search.send_keys(Keys.ENTER)
        studio.text_of(f'{field("assignedCustomers")} .member-item:last-child .reference-title', customer["name"], "the picked customer's name")
        key = self.driver.find_element(By.CSS_SELECTOR, f'{field("assignedCustomers")} .member-item:last-child .field.member').get_attribute("data-key")
        link = self.driver.find_element(By.CSS_SELECTOR, f'{field(member("assignedCustomers", key))} .reference-open')
        if not link.get_attribute("href").endswith("/%3A" + customer["_id"]) and not link.get_attribute("href").endswith(":" + customer["_id"]):
            raise self.Failure(f"the link to the picked customer goes to {link.get_attribute('href')}")
        self.saved(sid, lambda draft: (draft.get("assignedCustomers") or [])[-1:] == [
            {"_type": "reference", "_ref": customer["_id"], "_key": key}], "the picked customer stored as a reference")
        studio.screenshot("reference-picked")
        studio.check_labels("the reference picker")
        studio.check_console("picking a reference")

    def geopoint(self):
        studio = self.studio
        customer = self.api.query('*[_type == "customer" && defined(address) && !(_id in path("drafts.**"))] | order(_id desc)[0]{_id, name, address}')
        cid = customer["_id"]
        self.open_document("customers/customer", cid, customer["name"])
        lat_selector = f'{field("address.location.lat")} input'
        if not self.driver.find_element(By.CSS_SELECTOR, lat_selector).is_displayed():
            studio.click('.tab[data-group=""]', "the All fields tab")
        lat = self.find(lat_selector, "the address's latitude")
        lng = self.driver.find_element(By.CSS_SELECTOR, f'{field("address.location.lng")} input')
        studio.replace_text(lat, "95")
        lat.send_keys(Keys.TAB)
        error = self.find(f'{field("address.location")} .geopoint-errors .marker.error', "the out-of-range latitude's error")
        if "Latitude must be from -90 to 90" not in error.text or lat.get_attribute("aria-invalid") != "true":
            raise self.Failure(f"the out-of-range latitude shows {error.text!r} (aria-invalid {lat.get_attribute('aria-invalid')})")
        studio.screenshot("geopoint-out-of-range")
        time.sleep(1.5)  # longer than the editor's save delay: an out-of-range point must not be saved
        if self.driver.find_element(By.ID, "save-state").text == "Unsaved changes":
            raise self.Failure("an out-of-range latitude was taken as an edit to save")
        stored = (self.draft(cid) or {}).get("address", customer["address"]).get("location")
        if stored != customer["address"].get("location"):
            raise self.Failure(f"an out-of-range latitude changed the stored point to {stored}")
        studio.replace_text(lat, "48.8566")
        studio.replace_text(lng, "2.3522")
        lng.send_keys(Keys.TAB)
        self.saved(cid, lambda draft: draft.get("address", {}).get("location") == {"_type": "geopoint", "lat": 48.8566, "lng": 2.3522},
                   "the corrected point stored")
        if self.driver.find_elements(By.CSS_SELECTOR, f'{field("address.location")} .geopoint-errors li'):
            raise self.Failure("the latitude's error is still shown after it was corrected")
        if self.draft(cid)["address"].get("city") != customer["address"].get("city"):
            raise self.Failure("editing the point changed the rest of the address")
        studio.screenshot("geopoint")
        studio.check_console("editing a geopoint")

    def object_members(self):
        studio = self.studio
        order = self.api.query('*[_type == "salesOrder" && !(_id in path("drafts.**"))] | order(_id)[0]{_id, orderNumber, lineItems}')
        oid = order["_id"]
        self.open_document("commerce/ordersByStatus/salesOrder", oid, order["orderNumber"])
        lines = len(order.get("lineItems") or [])
        shown = self.driver.find_elements(By.CSS_SELECTOR, f'{field("lineItems")} .member-item')
        if len(shown) != lines:
            raise self.Failure(f"the order's {lines} line items show as {len(shown)} members")
        studio.click(f'{field("lineItems")} .member-add', "Add line item")
        added = self.find(f'{field("lineItems")} .member-item:last-child .field.member')
        key = added.get_attribute("data-key")
        self.saved(oid, lambda draft: (draft.get("lineItems") or [])[-1:] == [{"_type": "lineItem", "_key": key}], "the new line item stored")
        quantity = member("lineItems", key) + ".quantity"
        marker = self.find(f"{field(quantity)} .marker.error", "the Required marker at the new line's quantity")
        if "Required" not in marker.text:
            raise self.Failure(f"the new line's quantity shows the marker {marker.text!r}")
        self.find(f"{field(member('lineItems', key) + '.product')} .marker.error", "the Required marker at the new line's product")
        if self.driver.find_elements(By.CSS_SELECTOR, f'{field("lineItems")} > .markers .marker'):
            raise self.Failure("the new line's markers landed on the whole array instead of the line")
        # A quantity typed into the line is stored inside it, and its marker goes.
        studio.replace_text(self.driver.find_element(By.CSS_SELECTOR, f"{field(quantity)} input"), "2")
        self.saved(oid, lambda draft: (draft.get("lineItems") or [])[-1] == {"_type": "lineItem", "_key": key, "quantity": 2},
                   "the quantity stored inside the new line")
        studio.wait(lambda driver: not driver.find_elements(By.CSS_SELECTOR, f"{field(quantity)} .marker.error"),
                    "the quantity's marker to go")
        studio.screenshot("object-members")
        remove = self.driver.find_element(By.CSS_SELECTOR, f'{field(member("lineItems", key))} .member-remove')
        self.driver.execute_script("arguments[0].focus()", remove)
        self.focused().send_keys(Keys.ENTER)
        self.saved(oid, lambda draft: (draft.get("lineItems") or []) == (order.get("lineItems") or []), "the order's lines as they were")
        studio.check_console("editing line items")

    def drop_file(self, frame, name, mime, painted=True, text=""):
        """Drops a file on an image field's preview, as one dragged from the desktop: a picture
        painted on a canvas (640 × 400, dark red with a gold disc), or `text` under `mime`."""
        self.driver.execute_script("""
            const [frame, name, mime, painted, text] = arguments;
            const target = frame.querySelector('.image-preview');
            const drop = (blob) => {
              const data = new DataTransfer();
              data.items.add(new File([blob], name, { type: mime }));
              target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
              target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
            };
            if (!painted) { drop(new Blob([text], { type: mime })); return; }
            const canvas = document.createElement('canvas');
            canvas.width = 640; canvas.height = 400;
            const g = canvas.getContext('2d');
            g.fillStyle = '#8a1c2b'; g.fillRect(0, 0, 640, 400);
            g.fillStyle = '#f2d16b'; g.beginPath(); g.arc(320, 200, 120, 0, 7); g.fill();
            canvas.toBlob(drop, 'image/png');
        """, frame, name, mime, painted, text)

    def product_image_upload(self):
        """Drops a picture on a product's first image: it is uploaded with progress, shown
        through a signed URL, saved as an asset reference, cropped, published, and found again
        in the asset browser."""
        studio = self.studio
        product = self.api.query('*[_type == "product" && !(_id in path("drafts.**")) && defined(images[0].asset)] | order(_id)[0]'
                                 '{_id, name, "image": images[0]}')
        cid = product["_id"]
        key = product["image"]["_key"]
        path = member("images", key)
        self.open_document("commerce/product", cid, product["name"])
        frame = self.find(field(path), "the product's first image")
        hero = lambda draft: (draft.get("images") or [{}])[0]
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)

        # Refused files say why, and change nothing.
        self.drop_file(frame, "notes.txt", "text/plain", painted=False, text="ring sizes")
        error = self.find(f"{field(path)} .image-upload-error", "the refusal of a text file")
        if "not an image" not in error.text:
            raise self.Failure(f"dropping a text file says {error.text!r}")
        studio.expected_network.append("/v1/assets/images/production")
        self.drop_file(frame, "fake.png", "image/png", painted=False, text="not really a picture")
        studio.wait(lambda driver: "not uploaded" in error.text and "image" in error.text, "the server's refusal of bytes that are not a picture")

        self.drop_file(frame, "dropped.png", "image/png")
        status = frame.find_element(By.CSS_SELECTOR, ".image-upload-status")
        studio.wait(lambda driver: status.text == "Uploaded dropped.png.", "the dropped picture to be uploaded")
        if error.is_displayed():
            raise self.Failure(f"an error is still shown after a good upload: {error.text!r}")
        draft = self.saved(cid, lambda draft: hero(draft).get("asset", {}).get("_ref", "").endswith("-640x400-png"),
                           "the image stored as a reference to the uploaded asset")
        ref = hero(draft)["asset"]["_ref"]
        if hero(draft).get("alt") != product["image"].get("alt"):
            raise self.Failure("replacing the picture lost its alternative text")
        preview = self.find(f"{field(path)} .image-preview img", "the uploaded picture's preview")
        studio.wait(lambda driver: "sig=" in (preview.get_attribute("src") or "") and
                    driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", preview),
                    "the preview to load through a signed URL")
        studio.screenshot("product-image-uploaded")
        asset = self.api.query("*[_id == $id][0]{_type, mimeType, metadata{dimensions, palette{dominant}}}", {"id": ref})
        if asset is None or asset["metadata"]["dimensions"]["width"] != 640 or asset["mimeType"] != "image/png":
            raise self.Failure(f"the uploaded asset reads {asset!r}")
        dominant = asset["metadata"]["palette"]["dominant"]["background"]
        if dominant != "#8a1c2b":
            raise self.Failure(f"the picture is mostly #8a1c2b, but its palette's dominant colour is {dominant}")

        # Crop a tenth off the left by keyboard, and put the hotspot where the picture is clicked.
        studio.click(f"{field(path)} .image-crop-toggle", "the Crop and hotspot button")
        left = self.find(f"{field(path)} .image-crop-left", "the crop slider for the left side")
        stage_picture = self.find(f"{field(path)} .image-crop-picture img", "the picture to crop")
        studio.wait(lambda driver: driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", stage_picture),
                    "the picture to crop to load")
        self.driver.execute_script("arguments[0].focus()", left)
        for _ in range(10):
            self.focused().send_keys(Keys.ARROW_RIGHT)
        stage = self.driver.find_element(By.CSS_SELECTOR, f"{field(path)} .image-crop-stage")
        size = stage.size
        ActionChains(self.driver).move_to_element_with_offset(stage, int(size["width"] * 0.25), int(size["height"] * 0.25)).click().perform()
        draft = self.saved(cid, lambda draft: (hero(draft).get("crop") or {}).get("left") == 0.1
                           and abs((hero(draft).get("hotspot") or {}).get("x", 0) - 0.75) < 0.05
                           and abs((hero(draft).get("hotspot") or {}).get("y", 0) - 0.75) < 0.05,
                           "the crop (a tenth off the left) and the hotspot (three quarters across and down) stored")
        crop = hero(draft)["crop"]
        if crop.get("_type") != "sanity.imageCrop" or hero(draft)["hotspot"].get("_type") != "sanity.imageHotspot":
            raise self.Failure(f"the crop and hotspot are stored as {hero(draft)!r}, not as Sanity's types")
        studio.wait(lambda driver: "rect=64,0,576,400" in (frame.find_element(By.CSS_SELECTOR, ".image-preview img").get_attribute("src") or ""),
                    "the preview to show the cropped picture (rect=64,0,576,400)")
        studio.screenshot("product-image-cropped")

        studio.wait(lambda driver: driver.find_element(By.ID, "publish").is_enabled(), "Publish to be enabled")
        studio.click("#publish", "the Publish button")
        studio.text_of("#save-state", "Published", "the product to be published with its new picture")
        published = self.api.query("*[_id == $id][0].images[0]{crop, 'ref': asset._ref}", {"id": cid})
        if published["ref"] != ref or published["crop"] != crop:
            raise self.Failure(f"the published product's image is {published!r}, expected {ref} cropped as {crop}")

        # Reuse an uploaded image: the browser finds the dropped one by name, says where it is
        # used, and picking another puts it in the field (without the old crop).
        studio.click(f"{field(path)} .image-browse", "the Choose an uploaded image button")
        search = self.find(f"{field(path)} .asset-search", "the search of the uploaded images")
        search.send_keys("dropped")
        studio.wait(lambda driver: [button.get_attribute("data-id") for button in
                                    frame.find_elements(By.CSS_SELECTOR, ".asset-choice")] == [ref], "the search to find only the dropped picture")
        uses = frame.find_element(By.CSS_SELECTOR, f'.asset-choice[data-id="{ref}"] .asset-uses').text
        if product["name"] not in uses:
            raise self.Failure(f"the dropped picture's uses read {uses!r}, expected to name {product['name']}")
        studio.screenshot("asset-browser")
        # Emptied as a person would (select, delete): clear() sends no input event.
        search.send_keys(Keys.CONTROL, "a")
        search.send_keys(Keys.BACKSPACE)
        studio.wait(lambda driver: len(frame.find_elements(By.CSS_SELECTOR, ".asset-choice")) > 1, "every uploaded image to be listed")
        other = next(button for button in frame.find_elements(By.CSS_SELECTOR, ".asset-choice") if button.get_attribute("data-id") != ref)
        other_id = other.get_attribute("data-id")
        other.click()
        self.saved(cid, lambda draft: hero(draft)["asset"]["_ref"] == other_id and "crop" not in hero(draft),
                   "the chosen image stored in the field, without the old crop")

    def campaign_brief_upload(self):
        """Drops a PDF on a campaign's brief (a file field): it is uploaded, named with a link
        that downloads it, and stored as a reference to a file asset."""
        studio = self.studio
        campaign = self.api.query('*[_type == "marketingCampaign" && !(_id in path("drafts.**"))] | order(_id)[0]{_id, name}')
        cid = campaign["_id"]
        self.open_document("marketing/marketingCampaign", cid, campaign["name"])
        frame = self.find(field("brief"), "the campaign's brief")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
        self.driver.execute_script("""
            const target = arguments[0].querySelector('.file-drop');
            const data = new DataTransfer();
            data.items.add(new File(['%PDF-1.4\\n1 0 obj << /Type /Catalog >> endobj\\ntrailer << /Root 1 0 R >>\\n%%EOF\\n'],
                                    'autumn-brief.pdf', { type: 'application/pdf' }));
            target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
            target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
        """, frame)
        link = self.find(f"{field('brief')} .file-link", "the uploaded brief's download link")
        studio.wait(lambda driver: link.text == "autumn-brief.pdf" and "dl=" in (link.get_attribute("href") or ""),
                    "the brief to be named, with a link that downloads it")
        first = self.saved(cid, lambda draft: re.fullmatch(r"file-[0-9a-f]{40}-pdf", (draft.get("brief") or {}).get("asset", {}).get("_ref", "")),
                           "the brief stored as a reference to a PDF file asset")
        studio.screenshot("campaign-brief")

        # A file pasted while the editor has the focus replaces it.
        self.driver.execute_script("""
            const editor = arguments[0].querySelector('.file-editor');
            const data = new DataTransfer();
            data.items.add(new File(['%PDF-1.4\\n% price list\\n%%EOF\\n'], 'price-list.pdf', { type: 'application/pdf' }));
            editor.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
        """, frame)
        studio.wait(lambda driver: frame.find_element(By.CSS_SELECTOR, ".file-link").text == "price-list.pdf", "the pasted file to replace the brief")
        self.saved(cid, lambda draft: draft["brief"]["asset"]["_ref"] != first["brief"]["asset"]["_ref"], "the pasted file stored as the brief")

    def clean_up(self):
        """Leaves the editor (saving what waits) and deletes the drafts this flow made."""
        try:
            self.driver.execute_script("location.hash = '#/desk'")
            self.studio.wait(lambda driver: not driver.find_elements(By.CSS_SELECTOR, ".editor-pane"), "the editor to close")
        finally:
            drafts = [{"delete": {"id": "drafts." + document_id}} for document_id in dict.fromkeys(self.touched)]
            if drafts:
                time.sleep(1)  # a save started as the editor closed lands before the drafts go
                self.api.mutate(drafts)
