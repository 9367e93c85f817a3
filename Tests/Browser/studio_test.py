#!/usr/bin/env python3
"""End-to-end test of the Facet studio in headless Chromium.

Runs against a `facet serve` that holds demo data:

    python3 Tests/Browser/studio_test.py --url http://127.0.0.1:3333 \
        --admin-password '...' --support-user helpdesk --support-password '...' \
        --screenshots .build/studio-screenshots

Walks one editor's day: sign in, open a VIP from the desk, reload and stay signed in, edit and
see the draft saved, break a required field and see its error, fix it and publish, watch a list
update live, run a broken query in Vision and see its position, have the session revoked
elsewhere and see it end, sign out, sign in as support to see no sensitive field, and as sales
to see a client whose sensitive fields it cannot see offered read-only. Inputs
must be labelled, and any browser console error fails the run. Screenshots of every screen go
to --screenshots. Exits 0 on success, 1 with the reason on failure.
"""

import argparse
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

import field_editors

# An ordinary desktop browser's user agent: the server throttles "HeadlessChrome" as automation,
# and this test plays an editor at work, not a scraper.
EDITOR_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/130.0.0.0 Safari/537.36")


class StudioFailure(Exception):
    pass


class Studio:
    def __init__(self, url, screenshots, timeout, window="main"):
        self.url = url.rstrip("/")
        self.window = window
        self.screenshots = screenshots
        self.timeout = timeout
        self.shots = 0
        self.console = []
        # Responses the flow provokes on purpose: Chromium logs every 4xx as a console error.
        self.expected_network = []
        os.makedirs(screenshots, exist_ok=True)
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900",
                         f"--user-agent={EDITOR_AGENT}"]:
            options.add_argument(argument)
        options.binary_location = chromium_binary()
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

    # -- helpers --------------------------------------------------------------------------

    def wait(self, condition, what, timeout=None):
        try:
            # A condition may read an element the studio redraws at that moment: look again.
            return WebDriverWait(self.driver, timeout or self.timeout,
                                 ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(condition)
        except TimeoutException:
            self.screenshot("failure")
            raise StudioFailure(f"timed out waiting for {what}")

    def visible(self, selector, what=None):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, selector)), what or selector)

    def text_of(self, selector, text, what=None, timeout=None):
        return self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text),
                         what or f'"{text}" in {selector}', timeout)

    def click(self, selector, what=None):
        # An action inside a closed menu (the editor's "More") is reached as a person would: by
        # opening the menu first.
        self.driver.execute_script("""
            const target = document.querySelector(arguments[0]);
            const menu = target && target.closest('[role=menu]');
            if (menu && menu.hidden) document.querySelector(`[aria-controls="${menu.id}"]`)?.click();
        """, selector)
        # A list that draws itself again (a live update) may replace the element between finding
        # and clicking it: the element is found afresh, as a person would simply click again.
        for attempt in range(3):
            element = self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, selector)), what or selector)
            try:
                # As a person would: scrolled to the middle, clear of the sticky action bar.
                self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
                element.click()
                return element
            except StaleElementReferenceException:
                if attempt == 2:
                    raise
        return element

    def replace_text(self, element, text):
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.BACKSPACE)
        if text:
            element.send_keys(text)

    def screenshot(self, name):
        self.shots += 1
        prefix = "" if self.window == "main" else f"{self.window}-"
        path = os.path.join(self.screenshots, f"{prefix}{self.shots:02d}-{name}.png")
        self.driver.save_screenshot(path)
        print(f"screenshot: {path}")

    def collect_console(self):
        for entry in self.driver.get_log("browser"):
            self.console.append(entry)

    def check_console(self, step):
        self.collect_console()
        errors = []
        for entry in self.console:
            if entry.get("level") != "SEVERE":
                continue
            message = entry.get("message", "")
            if entry.get("source") == "network" and any(expected in message for expected in self.expected_network):
                continue
            errors.append(message)
        self.console = []
        if errors:
            raise StudioFailure(f"console errors after {step}:\n  " + "\n  ".join(errors))

    def check_labels(self, step):
        """Every visible input, select and textarea has an accessible name."""
        unlabelled = self.driver.execute_script("""
            return [...document.querySelectorAll('input, select, textarea')]
              .filter((control) => control.offsetParent !== null)
              .filter((control) => !(control.labels?.length || control.getAttribute('aria-label')
                                     || control.getAttribute('aria-labelledby')))
              .map((control) => control.outerHTML.slice(0, 120));
        """)
        if unlabelled:
            raise StudioFailure(f"inputs without a label after {step}:\n  " + "\n  ".join(unlabelled))
        landmarks = self.driver.execute_script("return document.querySelectorAll('main').length")
        if landmarks != 1:
            raise StudioFailure(f"{landmarks} main landmarks after {step}, expected one")

    def check_accessibility(self, step):
        """axe-core finds no serious or critical violation on the screen."""
        if not self.driver.execute_script("return typeof window.axe === 'object'"):
            self.driver.execute_script(axe_source())
        self.driver.set_script_timeout(60)
        violations = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ["violations"] })
              .then((results) => done(results.violations.map((violation) => ({
                id: violation.id, impact: violation.impact, help: violation.help,
                nodes: violation.nodes.slice(0, 3).map((node) => node.target.join(" ")) }))))
              .catch((error) => done([{ id: "axe-error", impact: "critical", help: String(error), nodes: [] }]));
        """)
        serious = [violation for violation in violations if violation["impact"] in ("serious", "critical")]
        if serious:
            lines = [f'{v["impact"]} {v["id"]}: {v["help"]} at {", ".join(v["nodes"])}' for v in serious]
            raise StudioFailure(f"accessibility violations after {step}:\n  " + "\n  ".join(lines))

    def sign_in(self, username, password):
        self.driver.get(self.url + "/")
        self.visible("#username", "the sign-in form")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.driver.find_element(By.CSS_SELECTOR, ".sign-in button[type=submit]").click()
        self.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".studio-header")
                  or driver.find_element(By.ID, "sign-in-error").text, f"the studio after signing in as {username}")
        refusal = self.driver.find_elements(By.ID, "sign-in-error")
        if refusal and refusal[0].text:
            self.screenshot("failure")
            raise StudioFailure(f"signing in as {username} was refused: {refusal[0].text}")

    def press(self, *keys):
        ActionChains(self.driver).send_keys(*keys).perform()

    def tab_to(self, selector, what, limit=60):
        """Presses Tab until the focused element matches `selector`, as a keyboard user would."""
        for _ in range(limit):
            if self.driver.execute_script("return document.activeElement && document.activeElement.matches(arguments[0])", selector):
                return self.driver.switch_to.active_element
            self.press(Keys.TAB)
        self.screenshot("failure")
        raise StudioFailure(f"{what} could not be reached with the Tab key ({limit} presses)")

    def open_desk_item(self, *ids):
        for item in ids:
            self.click(f'.pane-item[data-id="{item}"]', f"the desk item {item}")

    def field_input(self, path):
        return self.visible(f'.field[data-path="{path}"] input, .field[data-path="{path}"] textarea', f"the field {path}")

    def close(self):
        self.driver.quit()


def slugify(text):
    """The studio's slug of a title: lowercase ASCII words joined by dashes."""
    import re
    import unicodedata
    ascii_text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return re.sub(r"^-+|-+$", "", re.sub(r"[^a-z0-9]+", "-", ascii_text))[:96]


def axe_source():
    """axe-core's script, as shipped inside the axe-playwright-python package."""
    import importlib.util
    spec = importlib.util.find_spec("axe_playwright_python")
    path = os.path.join(list(spec.submodule_search_locations)[0], "axe.min.js") if spec else None
    if not path or not os.path.exists(path):
        raise StudioFailure("axe-core is not installed: pip install --no-deps axe-playwright-python")
    with open(path, encoding="utf-8") as file:
        return file.read()


def chromium_binary():
    for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]:
        if os.path.exists(path):
            return path
    raise StudioFailure("Chromium is not installed: apt-get install -y chromium chromium-driver")


class API:
    """The HTTP API, as another editor (or an integration) changing documents elsewhere."""

    def __init__(self, url, username=None, password=None, token=None):
        self.url = url.rstrip("/")
        self.token = token
        if token is None:
            answer = self.call("/v1/auth/login", {"username": username, "password": password}, token=None)
            self.token = answer["accessToken"]

    def call(self, path, body=None, token="self", method=None):
        headers = {"Content-Type": "application/json"}
        if token == "self":
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method or ("POST" if data else "GET"))
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def status(self, path, body=None, token="self"):
        """The HTTP status of a call, refusals included."""
        try:
            self.call(path, body, token=token)
        except urllib.error.HTTPError as error:
            return error.code
        return 200

    def query(self, groq, params=None):
        return self.call("/v1/data/query/production", {"query": groq, "params": params or {}, "perspective": "raw"})["result"]

    def mutate(self, mutations):
        return self.call("/v1/data/mutate/production", {"mutations": mutations})


def run(arguments):
    studio = Studio(arguments.url, arguments.screenshots, arguments.timeout)
    api = API(arguments.url, "admin", arguments.admin_password)
    try:
        # 1. Sign in as admin.
        studio.driver.get(studio.url + "/")
        studio.visible("#username", "the sign-in form")
        studio.screenshot("sign-in")
        studio.check_accessibility("the sign-in screen")
        studio.sign_in("admin", arguments.admin_password)
        studio.check_console("signing in")
        field_editors.check_field_editors(studio, api)

        # 2. Walk the desk to a VIP client and open it.
        studio.open_desk_item("customers", "liza", "lizaCustomer")
        first = studio.visible(".document-item", "the list of LIZA VIPs")
        vip_id = first.get_attribute("data-id")
        vip_title = first.find_element(By.CSS_SELECTOR, ".item-title").text
        studio.screenshot("desk-vip-list")

        # The search narrows the list, the best match (a title holding the word) first.
        listed = len(studio.driver.find_elements(By.CSS_SELECTOR, ".document-item"))
        term = vip_title.split()[-1]
        search = studio.driver.find_element(By.CSS_SELECTOR, ".pane input[type=search]")
        search.send_keys(term)
        studio.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, f'.document-item[data-id="{vip_id}"]')
                    and term.lower() in driver.find_element(By.CSS_SELECTOR, ".document-item .item-title").text.lower()
                    and len(driver.find_elements(By.CSS_SELECTOR, ".document-item")) < listed,
                    f"the list to narrow to the search {term!r}")
        studio.replace_text(search, "")
        studio.wait(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, ".document-item")) == listed,
                    "the whole list to come back when the search is cleared")
        first = studio.driver.find_element(By.CSS_SELECTOR, f'.document-item[data-id="{vip_id}"]')
        first.click()
        studio.text_of("#editor-title", vip_title, "the VIP's name as the editor's title")
        stored = api.query("*[_id == $id][0]", {"id": vip_id})
        if stored is None or stored.get("_type") != "lizaCustomer":
            raise StudioFailure(f"the desk's first VIP {vip_id} is not a lizaCustomer: {stored}")
        name = studio.field_input("name")
        if name.get_attribute("value") != stored["name"]:
            raise StudioFailure(f"the name field shows {name.get_attribute('value')!r}, the document holds {stored['name']!r}")
        studio.screenshot("editor")
        studio.check_labels("opening the VIP")
        studio.check_accessibility("opening the VIP")
        studio.check_console("opening the VIP")

        # A reload keeps the session: the studio exchanges its refresh token and reopens the document.
        studio.driver.refresh()
        studio.text_of("#editor-title", vip_title, "the VIP's editor after a reload")
        if studio.driver.find_elements(By.ID, "username"):
            raise StudioFailure("a reload asked to sign in again")
        name = studio.field_input("name")

        # 3. Edit a field: the draft is saved.
        edited = stored["name"] + " Edited"
        studio.replace_text(name, edited)
        studio.text_of("#save-state", "Saved", "the draft to be saved")
        draft = api.query("*[_id == $id][0]", {"id": "drafts." + vip_id})
        if draft is None or draft.get("name") != edited:
            raise StudioFailure(f"the draft holds {draft and draft.get('name')!r}, expected {edited!r}")
        studio.screenshot("draft-saved")

        # 4. An invalid value: clearing the required name shows its error, and Publish is disabled.
        studio.replace_text(name, "")
        studio.text_of("#save-state", "Saved", "the draft without a name to be saved")
        marker = studio.visible('.field[data-path="name"] .marker.error', "the error marker at the name")
        if "required" not in marker.text.lower():
            raise StudioFailure(f"the name's marker says {marker.text!r}, expected it to say the name is required")
        if studio.driver.find_element(By.ID, "publish").is_enabled():
            raise StudioFailure("Publish is enabled while the name is missing")
        if studio.driver.find_element(By.CSS_SELECTOR, '.field[data-path="name"] input').get_attribute("aria-invalid") != "true":
            raise StudioFailure("the name input is not marked aria-invalid while it has an error")
        studio.screenshot("validation-error")
        studio.check_accessibility("a validation error")

        # 5. Fix it and publish.
        fixed = stored["name"] + " Fixed"
        studio.replace_text(name, fixed)
        studio.text_of("#save-state", "Saved", "the fixed draft to be saved")
        studio.wait(lambda driver: not driver.find_elements(By.CSS_SELECTOR, '.field[data-path="name"] .marker.error'),
                    "the name's error to go away")
        studio.wait(lambda driver: driver.find_element(By.ID, "publish").is_enabled(), "Publish to be enabled")
        studio.click("#publish", "the Publish button")
        studio.text_of("#save-state", "Published", "the document to be published")
        published = api.query("*[_id in [$id, $draft]]{_id, name}", {"id": vip_id, "draft": "drafts." + vip_id})
        if published != [{"_id": vip_id, "name": fixed}]:
            raise StudioFailure(f"after publishing the store holds {published}, expected only the published {fixed!r}")
        studio.text_of(f'.document-item[data-id="{vip_id}"] .item-title', fixed, "the list to show the published name")
        studio.screenshot("published")
        studio.check_console("editing and publishing")

        # History: the timeline lists the document's transactions with their authors; the oldest
        # version (as seeded) differs from the current one in its name; Restore makes it the draft.
        studio.click("#history-toggle", "the History button")
        studio.wait(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, ".history-entry")) >= 3,
                    "the history's transactions (the seed, the draft's edits, the publication)")
        entries = studio.driver.find_elements(By.CSS_SELECTOR, ".history-entry")
        authors = {entry.find_element(By.CSS_SELECTOR, ".history-author").text for entry in entries}
        if "admin" not in authors:
            raise StudioFailure(f"the history names the authors {sorted(authors)}, expected admin among them")
        if "published" not in entries[0].text:
            raise StudioFailure(f"the newest transaction reads {entries[0].text!r}, expected the publication")
        studio.click("#history .history-timeline li:last-child .history-entry", "the oldest version")
        row = studio.visible('.history-diff tr.changed[data-field="name"]', "the name marked as changed beside the oldest version")
        before = row.find_element(By.CSS_SELECTOR, "td.before").text
        after = row.find_element(By.CSS_SELECTOR, "td.after").text
        if before != stored["name"] or after != fixed:
            raise StudioFailure(f"the diff shows the name {before!r} then and {after!r} now, expected {stored['name']!r} and {fixed!r}")
        studio.screenshot("history-diff")
        studio.check_labels("the history")
        studio.check_accessibility("the history")
        studio.click("#history-restore", "Restore this version")
        studio.text_of("#action-result", "Restored the version", "the restore's message")
        restored = api.query("*[_id == $draft][0]{name, tier}", {"draft": "drafts." + vip_id})
        if restored != {"name": stored["name"], "tier": stored["tier"]}:
            raise StudioFailure(f"after Restore the draft holds {restored}, expected the seeded name {stored['name']!r}")
        if studio.field_input("name").get_attribute("value") != stored["name"]:
            raise StudioFailure("the editor does not show the restored name")
        if api.query("*[_id == $id][0].name", {"id": vip_id}) != fixed:
            raise StudioFailure("Restore changed the published document; it should only make a draft")
        studio.check_console("the history and Restore")

        # A custom action of studio-config runs on the document and says what it did.
        studio.click("#action-recalculate-lifetime-value", "the Recalculate lifetime value action")
        studio.text_of("#action-result", "ifetime value", "the action's message")
        recalculated = api.query("coalesce(*[_id == $draft][0], *[_id == $id][0]).lifetimeValue",
                                 {"id": vip_id, "draft": "drafts." + vip_id})
        studio.click('.tab[data-group="relationship"]', "the Relationship tab")
        shown = studio.field_input("lifetimeValue").get_attribute("value")
        if recalculated is None or float(shown) != float(recalculated):
            raise StudioFailure(f"after the action the editor shows a lifetime value of {shown!r}, the store holds {recalculated!r}")
        studio.screenshot("custom-action")
        studio.check_console("running an action")
        studio.click('.tab[data-group="contact"]', "the Contact tab")

        # 6. Live: a VIP renamed elsewhere is renamed in the open list, in place.
        others = [element.get_attribute("data-id") for element in studio.driver.find_elements(By.CSS_SELECTOR, ".document-item")]
        other = next(identifier for identifier in others if identifier != vip_id)
        row = studio.driver.find_element(By.CSS_SELECTOR, f'.document-item[data-id="{other}"]')
        renamed = "Renamed Elsewhere " + str(int(time.time()))
        api.mutate([{"patch": {"id": other, "set": {"name": renamed}}}])
        studio.text_of(f'.document-item[data-id="{other}"] .item-title', renamed, "the live update of the renamed VIP")
        if studio.driver.find_element(By.CSS_SELECTOR, f'.document-item[data-id="{other}"]') != row:
            raise StudioFailure("the renamed VIP's row was replaced, not updated in place")
        studio.screenshot("live-update")
        studio.check_console("the live update")

        # The same VIP edited in a second browser window: the first window's list and its open
        # editor show the change in place, and say who made it.
        second = Studio(arguments.url, arguments.screenshots, arguments.timeout, window="second")
        try:
            second.sign_in("admin", arguments.admin_password)
            second.open_desk_item("customers", "liza", "lizaCustomer")
            second.click(f'.document-item[data-id="{vip_id}"]', "the VIP in the second window")
            second.visible("#editor-title", "the VIP's editor in the second window")
            elsewhere = "Changed In Another Window " + str(int(time.time()))
            second.replace_text(second.field_input("name"), elsewhere)
            second.text_of("#save-state", "Saved", "the second window's draft to be saved")
            second.screenshot("second-window-edit")
            second.check_console("editing in a second window")
        finally:
            second.close()
        studio.text_of(f'.document-item[data-id="{vip_id}"] .item-title', elsewhere,
                       "the first window's list to show the name changed in the second window")
        studio.wait(lambda driver: studio.field_input("name").get_attribute("value") == elsewhere,
                    "the first window's open editor to show the name changed in the second window")
        studio.text_of("#action-result", "changes admin made", "the editor to say who changed the document")
        if studio.driver.find_element(By.CSS_SELECTOR, '.tab[data-group="contact"]').get_attribute("aria-selected") != "true":
            raise StudioFailure("drawing the changed document again lost the chosen tab")
        studio.screenshot("live-editor-update")
        studio.check_console("a change from a second window")

        # 7. Groups are tabs; options are radio buttons; a reference shows its document and opens it.
        studio.click('.tab[data-group="relationship"]', "the Relationship tab")
        if studio.driver.find_element(By.CSS_SELECTOR, '.field[data-path="name"]').is_displayed():
            raise StudioFailure("the Relationship tab still shows the name, a Contact field")
        tier = studio.visible('.field[data-path="tier"] input[type="radio"]:checked', "the VIP's tier as a checked radio button")
        if tier.get_attribute("value") != stored["tier"]:
            raise StudioFailure(f"the checked tier is {tier.get_attribute('value')!r}, the document holds {stored['tier']!r}")
        staff = api.query("*[_id == $id][0]{_id, name}", {"id": stored["assignedStaff"]["_ref"]})
        studio.text_of('.field[data-path="assignedStaff"] .reference-title', staff["name"], "the referenced advisor's name")
        studio.screenshot("relationship-tab")
        studio.click('.field[data-path="assignedStaff"] .reference-open', "the link to the advisor")
        studio.text_of(".editor-pane:last-child .editor-title", staff["name"], "the advisor's document, opened to the right")
        if len(studio.driver.find_elements(By.CSS_SELECTOR, ".editor-pane")) != 2:
            raise StudioFailure("opening the advisor closed the VIP: a reference opens in the pane to the right")
        # The schema's fieldsets: contact details together, employment folded until opened.
        studio.visible('fieldset[data-fieldset="contact"] .field[data-path="email"]', "the email inside the Contact details fieldset")
        folded = studio.visible('fieldset[data-fieldset="employment"] .fieldset-toggle', "the folded Employment fieldset")
        if folded.get_attribute("aria-expanded") != "false" or studio.driver.find_element(
                By.CSS_SELECTOR, '.field[data-path="hireDate"]').is_displayed():
            raise StudioFailure("the Employment fieldset, declared collapsed, shows its fields before it is opened")
        folded.click()
        studio.visible('fieldset[data-fieldset="employment"] .field[data-path="hireDate"] input', "the hire date once Employment is opened")
        studio.check_console("following a reference")

        # A slug is generated from its source field and saved with the draft.
        studio.open_desk_item("commerce", "product")
        # Products preview their first image: without one, the row shows the title's initial.
        first_product = studio.visible(".document-item", "the list of products")
        media = first_product.find_element(By.CSS_SELECTOR, ".item-media")
        initial = first_product.find_element(By.CSS_SELECTOR, ".item-title").text.strip()[:1].upper()
        if media.text != initial and not media.find_elements(By.TAG_NAME, "img"):
            raise StudioFailure(f"a product row's media shows {media.text!r}, expected its image or the initial {initial!r}")
        studio.click(".document-item", "a product")
        product_name = studio.field_input("name").get_attribute("value")
        studio.click('.field[data-path="slug"] button', "Generate")
        slug = studio.driver.find_element(By.CSS_SELECTOR, '.field[data-path="slug"] input')
        if slug.get_attribute("value") != slugify(product_name):
            raise StudioFailure(f"the generated slug is {slug.get_attribute('value')!r}, expected {slugify(product_name)!r}")
        studio.text_of("#save-state", "Saved", "the product's draft with its slug to be saved")
        studio.screenshot("product-slug")
        studio.check_console("generating a slug")

        # Discard changes removes the draft and shows the published document again.
        product_id = studio.driver.find_element(By.CSS_SELECTOR, ".document-item[aria-current]").get_attribute("data-id")
        studio.click("#action-discard", "Discard changes")
        studio.text_of("#action-result", "Changes discarded", "the discard to be confirmed")
        if api.query("*[_id == $draft][0]._id", {"draft": "drafts." + product_id}) is not None:
            raise StudioFailure("the product's draft is still stored after Discard changes")

        # Deleting a product that orders refer to is refused, and the referring documents are listed.
        referenced = api.query('*[_type == "product" && count(*[references(^._id)]) > 0][0]._id')
        studio.click(f'.document-item[data-id="{referenced}"]', "a product that orders refer to")
        studio.expected_network.append("/v1/data/mutate/production?returnIds=true - Failed to load resource: the server responded with a status of 409")
        studio.click("#action-delete", "Delete")
        studio.click("#confirm-delete", "the confirmation of Delete")
        refusal = studio.visible(".confirmation [role=alert]", "the refused deletion")
        if not refusal.text.startswith("Not deleted"):
            raise StudioFailure(f"the deletion of a referenced product says {refusal.text!r}")
        studio.visible(".confirmation li a", "the list of documents that refer to the product")
        if api.query("*[_id == $id][0]._id", {"id": referenced}) != referenced:
            raise StudioFailure("the referenced product was deleted")
        studio.screenshot("delete-refused")
        studio.check_console("a refused deletion")
        studio.expected_network.clear()

        # An analytics dashboard: its refresh action runs the models on the demo, and its charts
        # draw what the widgets' queries answer.
        api.mutate([{"createOrReplace": {"_id": "dashboard-clienteling", "_type": "analyticsDashboard", "title": "Clienteling overview",
                                         "slug": {"_type": "slug", "current": "clienteling-overview"}}}])
        studio.open_desk_item("intelligence", "analyticsDashboard")
        studio.click('.document-item[data-id="dashboard-clienteling"]', "the new dashboard")
        studio.text_of("#editor-title", "Clienteling overview", "the dashboard's editor")
        studio.text_of(".dashboard", "no widgets yet", "the note that the dashboard has no widgets yet")
        # What the progress bar says as the refresh streams its stages, however quickly it runs.
        studio.driver.execute_script("""
            window.progressSeen = [];
            const note = () => {
              const box = document.getElementById('action-progress');
              const text = document.getElementById('action-progress-text');
              const button = document.getElementById('action-refresh-dashboard');
              if (box && !box.hidden && text && text.textContent) {
                window.progressSeen.push({text: text.textContent, disabled: Boolean(button && button.disabled),
                                          label: (document.getElementById('action-progress-label') || {}).textContent});
              }
            };
            new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
        """)
        studio.click("#action-refresh-dashboard", "Refresh dashboard")
        studio.text_of("#action-result", "Dashboard refreshed", "the refresh's message", timeout=180)  # a whole refresh, on a loaded machine
        seen = studio.driver.execute_script("return window.progressSeen")
        stages = [entry for entry in seen if re.match(r"^[A-Z].*… \d{1,3}%$", entry["text"])]
        if not stages:
            raise StudioFailure(f"the refresh showed no progress stage; the bar said {seen[:5]}")
        if not all(entry["disabled"] for entry in stages) or stages[0]["label"] != "Refresh dashboard":
            raise StudioFailure(f"while the refresh ran, its button was not disabled or the bar was not labelled: {stages[:3]}")
        if not studio.driver.find_element(By.ID, "action-progress").get_attribute("hidden"):
            raise StudioFailure("the progress bar is still shown after the refresh finished")
        donut = studio.visible('.widget[data-key="analytics-churn-risk"] svg[role="img"] path, '
                               '.widget[data-key="analytics-churn-risk"] svg[role="img"] circle', "the churn-risk donut")
        label = studio.driver.find_element(By.CSS_SELECTOR, '.widget[data-key="analytics-churn-risk"] svg[role="img"]').get_attribute("aria-label")
        risk_query = api.query('*[_id == "dashboard-clienteling"][0].widgets[_key == "analytics-churn-risk"][0].query')
        risks = api.query(risk_query)
        if sum(risks.values()) == 0:
            raise StudioFailure(f"the refresh scored no client's churn risk: {risks}")
        for level, count in risks.items():
            if f"{level} {count}" not in label:
                raise StudioFailure(f"the donut says {label!r}; the store holds {count} clients at {level} risk")
        studio.visible('.widget[data-key="analytics-seasonal-revenue"] svg polyline', "the seasonal revenue line")
        studio.wait(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, '.widget[data-key="analytics-churn-backtest"] tbody tr')) >= 2,
                    "the churn models' backtest table")
        money = studio.driver.find_element(By.CSS_SELECTOR, '.widget[data-key="analytics-ltv-forecast"] tbody td').text
        if not money.startswith("$"):
            raise StudioFailure(f"the lifetime-value forecast shows {money!r}, expected an amount in the house currency")
        # Each trend dimension is a bar chart of its top categories, formatted by what it measures.
        for dimension, money in [("cultural-preferences", False), ("musical-jewelry-correlation", False),
                                 ("engagement-effectiveness", True), ("collection-performance", True),
                                 ("experience-adoption", False), ("energy-alignment", True)]:
            stored = api.query('*[_type == "trendAnalysis" && trendType == $type][0].dataPoints.topCategories', {"type": dimension})
            selector = f'.widget[data-key="analytics-trend-{dimension}"]'
            if not stored:
                # A small clientele can leave a dimension without a category worth naming.
                studio.text_of(f"{selector} .pane-status", "No figures yet", f"the empty {dimension} chart to say so")
                continue
            studio.wait(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, f"{selector} svg .bar")) == len(stored),
                        f"a bar for each of the {len(stored)} top categories of the {dimension} trend")
            figure = studio.driver.find_element(By.CSS_SELECTOR, f"{selector} svg[role=img]").get_attribute("aria-label")
            if stored[0]["category"] not in figure or ("$" in figure) != money:
                raise StudioFailure(f"the {dimension} chart says {figure!r}; the store's first category is {stored[0]['category']!r}")
        studio.visible('.widget[data-key="analytics-ltv-chart"] svg .bar', "the bar chart of the top clients' forecasts")
        studio.driver.execute_script("document.querySelector('.dashboard').scrollIntoView()")
        studio.screenshot("dashboard")
        studio.check_labels("the dashboard")
        studio.check_accessibility("the dashboard")
        studio.check_console("the dashboard")

        # 8. Vision: a query with a syntax error shows its line and column.
        studio.click('.nav-link[href="#/vision"]', "the Vision link")
        query = studio.visible("#vision-query", "the Vision query editor")
        studio.replace_text(query, '*[_type == "lizaCustomer"]{\n  name,\n  tier ==\n}')
        studio.expected_network.append("/v1/data/query/production - Failed to load resource: the server responded with a status of 400")
        studio.click("#vision-run", "Run query")
        position = studio.visible("#vision-error-position", "the query error's position")
        if not position.text.startswith("Line 3, column") and not position.text.startswith("Line 4, column"):
            raise StudioFailure(f"the query error says {position.text!r}, expected the line and column of the error")
        studio.screenshot("vision-error")
        working = '*[_type == "lizaCustomer"] | order(_id)[0...3]{_id, name, "orders": count(*[references(^._id)])}'
        studio.replace_text(query, working)
        studio.click("#vision-run", "Run query")
        studio.text_of("#vision-timing", "ms", "the query's time")
        expected = api.query(working)
        studio.text_of("#vision-result .json-node > summary", f"[{len(expected)} items]", "the result as a tree")
        Select(studio.driver.find_element(By.ID, "vision-view")).select_by_value("json")
        result = studio.visible("#vision-json", "the result as JSON text").text
        if json.loads(result) != expected:
            raise StudioFailure(f"Vision shows {result!r}, the API answers {expected!r}")
        Select(studio.driver.find_element(By.ID, "vision-view")).select_by_value("tree")
        if studio.driver.find_elements(By.CSS_SELECTOR, "#vision-error p"):
            raise StudioFailure("the old query error is still shown after a query that works")
        studio.screenshot("vision-result")
        studio.check_labels("Vision")
        studio.check_accessibility("Vision")
        studio.check_console("Vision")
        studio.expected_network.clear()

        # 9. A session revoked elsewhere ends in the studio with a clear screen.
        kept = json.loads(studio.driver.execute_script("return sessionStorage.getItem('facet.session')"))
        revoker = API(arguments.url, token=kept["accessToken"])
        revoker.call("/v1/auth/logout", {"refreshToken": kept["refreshToken"]})
        studio.expected_network.append("Failed to load resource: the server responded with a status of 401")
        studio.click("#vision-run", "Run query")
        studio.text_of("#session-notice", "Your session has ended", "the session-ended screen")
        studio.screenshot("session-ended")
        studio.check_console("the session ending")
        studio.expected_network.clear()
        studio.sign_in("admin", arguments.admin_password)

        # 10. Sign out: the sign-in screen says so, and the tokens no longer work.
        kept = json.loads(studio.driver.execute_script("return sessionStorage.getItem('facet.session')"))
        studio.click(".sign-out", "Sign out")
        studio.text_of("#session-notice", "You signed out", "the signed-out notice")
        if studio.driver.execute_script("return sessionStorage.getItem('facet.session')") is not None:
            raise StudioFailure("the session is still kept after signing out")
        signed_out = API(arguments.url, token=kept["accessToken"])
        for path, body, token in [("/v1/auth/me", None, "self"), ("/v1/auth/refresh", {"refreshToken": kept["refreshToken"]}, None)]:
            status = signed_out.status(path, body, token=token)
            if status != 401:
                raise StudioFailure(f"{path} with the signed-out session answered {status}, expected 401")
        studio.screenshot("signed-out")
        studio.check_console("signing out")

        # 10b. On a tablet, by keyboard alone: sign in, walk the desk to a VIP, open it, edit it.
        studio.driver.set_window_size(820, 1180)
        studio.tab_to("#username", "the user name field").send_keys("admin")
        studio.press(Keys.TAB)
        studio.driver.switch_to.active_element.send_keys(arguments.admin_password, Keys.ENTER)
        studio.visible(".studio-header", "the studio after signing in by keyboard")
        for item in ["customers", "liza", "lizaCustomer"]:
            studio.tab_to(f'.pane-item[data-id="{item}"]', f"the desk item {item}").send_keys(Keys.ENTER)
        studio.tab_to(".document-item", "the first LIZA VIP").send_keys(Keys.ENTER)
        studio.visible("#editor-title", "the VIP's editor opened by keyboard")
        name = studio.tab_to('.field[data-path="name"] input', "the VIP's name field")
        typed = name.get_attribute("value") + " K"
        # Tabbing into a text field selects its text: End keeps it, as a keyboard user would.
        name.send_keys(Keys.END, " K")
        studio.text_of("#save-state", "Saved", "the keyboard edit to be saved")
        keyboard_vip = studio.driver.find_element(By.CSS_SELECTOR, ".document-item[aria-current]").get_attribute("data-id")
        if api.query("*[_id == $id][0].name", {"id": "drafts." + keyboard_vip}) != typed:
            raise StudioFailure(f"the keyboard edit stored {api.query('*[_id == $id][0].name', {'id': 'drafts.' + keyboard_vip})!r}, expected {typed!r}")
        box = studio.driver.execute_script(
            "const r = document.querySelector('.editor-pane').getBoundingClientRect();"
            "return [r.left, r.right, window.innerWidth];")
        if box[0] < -1 or box[1] > box[2] + 1:
            raise StudioFailure(f"on a tablet the editor is not within the screen (left {box[0]}, right {box[1]}, width {box[2]})")
        studio.screenshot("tablet-keyboard-editor")
        studio.check_labels("the tablet editor")
        studio.check_accessibility("the tablet editor")
        studio.check_console("working by keyboard on a tablet")
        studio.tab_to(".sign-out", "Sign out", limit=200).send_keys(Keys.ENTER)
        studio.text_of("#session-notice", "You signed out", "signing out by keyboard")
        studio.driver.set_window_size(1400, 900)

        # 11. Support sees clients without their sensitive fields, and may not change them.
        studio.sign_in(arguments.support_user, arguments.support_password)
        studio.open_desk_item("customers", "customer")
        studio.click(".document-item", "a general customer")
        studio.visible('.field[data-path="name"]', "the customer's name")
        studio.visible(".editor-pane .notice", "the read-only notice")
        for sensitive in ["email", "phone", "address", "birthday"]:
            if studio.driver.find_elements(By.CSS_SELECTOR, f'.field[data-path="{sensitive}"]'):
                raise StudioFailure(f"support sees the sensitive field {sensitive}")
        if studio.driver.find_element(By.ID, "publish").is_enabled():
            raise StudioFailure("support may publish a customer")
        studio.screenshot("support-customer")
        studio.check_labels("the support session")
        studio.check_accessibility("the support session")
        studio.check_console("the support session")

        # 12. Sales may edit clients, but not one whose sensitive fields it cannot see: a draft
        # copied from that view would lose them.
        if arguments.sales_user:
            studio.click(".sign-out", "Sign out")
            studio.sign_in(arguments.sales_user, arguments.sales_password)
            studio.open_desk_item("customers", "customer")
            studio.click(".document-item", "a general customer")
            notice = studio.visible(".editor-pane .notice", "the notice that fields are hidden")
            if "hidden from your role" not in notice.text:
                raise StudioFailure(f"sales sees the notice {notice.text!r}, expected that fields are hidden from its role")
            if studio.field_input("name").get_attribute("readonly") is None:
                raise StudioFailure("sales may edit a customer whose sensitive fields it cannot see")
            studio.screenshot("sales-customer")
            studio.check_console("the sales session")
    finally:
        studio.close()



WIDTHS = {"laptop": (1440, 900), "tablet": (820, 1180), "phone": (390, 844)}


def size(studio, name):
    width, height = WIDTHS[name]
    studio.driver.set_window_size(width, height)
    # The window's frame takes some of its size: the page itself gets the width asked for.
    inner = studio.driver.execute_script("return [window.innerWidth, window.innerHeight]")
    studio.driver.set_window_size(width + (width - inner[0]), height + (height - inner[1]))
    studio.wait(lambda driver: driver.execute_script("return window.innerWidth") == width, f"a {width} px wide page")


def check_screen(studio, step, name):
    """A screen as an editor sees it: a screenshot, axe-core, labels and the console."""
    studio.screenshot(name)
    studio.check_labels(step)
    studio.check_accessibility(step)
    studio.check_console(step)


def main(flow=None, description=__doc__, passed="studio test passed"):
    """Runs `flow(arguments)` (this file's `run` unless another script's) with the shared options."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the studio's address, e.g. http://127.0.0.1:3333")
    parser.add_argument("--admin-password", default=os.environ.get("FACET_ADMIN_PASSWORD"))
    parser.add_argument("--support-user", default="helpdesk")
    parser.add_argument("--support-password", required=True)
    parser.add_argument("--sales-user", help="a sales user assigned to no client (optional)")
    parser.add_argument("--sales-password")
    parser.add_argument("--screenshots", default=".build/studio-screenshots")
    parser.add_argument("--timeout", type=float, default=20)
    arguments = parser.parse_args()
    if not arguments.admin_password:
        parser.error("give --admin-password or set FACET_ADMIN_PASSWORD")
    os.environ["SE_OFFLINE"] = "true"
    try:
        (flow or run)(arguments)
    except StudioFailure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    print(passed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
