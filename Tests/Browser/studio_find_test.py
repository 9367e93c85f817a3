#!/usr/bin/env python3
"""Creating, finding and relating documents in the studio, in headless Chromium.

Runs against a `facet serve` holding a demo of a few hundred clients (see studio_test.py for the
arguments). An editor pages a client list to its 250th client, in the list's order; creates a
client from scratch ("New", with the schema's initial values) and publishes it; finds it by
searching "lopez" and "zoe" without accents, in the list and from anywhere (Ctrl+K); starts an
order and an interaction from the client's page (templates filling the client), publishes them
and finds them under "Referenced by", each opened in a pane to the right of the client; sees the
reference picker offer recent documents before anything is typed, with rows that tell namesakes
apart; duplicates a client and gets none of its personal data. Sales is offered "New" only
where it could publish what it creates. axe-core must find no serious or critical violation on
each new screen, and any console error fails the run.
"""

import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from field_editors import field, member
import studio_test
from studio_test import API, Studio, StudioFailure

CLIENT_NAME = "Zoë López-Martín"
CLIENT_EMAIL = "zoe.lopez-martin@example.com"


def rows(studio, pane=""):
    return studio.driver.find_elements(By.CSS_SELECTOR, f"{pane} .document-item")


def scroll_list_to(studio, count):
    """Scrolls the open list's pane down until it holds `count` rows, as an editor would."""
    deadline = time.time() + 60
    while len(rows(studio)) < count:
        if time.time() > deadline:
            studio.screenshot("failure")
            raise StudioFailure(f"scrolling the list reached {len(rows(studio))} rows, not {count}")
        studio.driver.execute_script("""
            const list = document.querySelector('.pane .documents');
            const pane = list.closest('.pane');
            pane.scrollTop = pane.scrollHeight;""")
        time.sleep(0.3)


def type_into(studio, path, text):
    box = studio.field_input(path)
    studio.replace_text(box, text)
    return box


def publish(studio, what):
    """Publishes the document open in the right-most pane."""
    pane = ".editor-pane:last-child"
    studio.text_of(f"{pane} .save-state", "Saved", f"the {what} draft to be saved")
    studio.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, f"{pane} .publish").is_enabled(), f"Publish to be enabled for the {what}")
    studio.click(f"{pane} .publish", f"Publish the {what}")
    studio.text_of(f"{pane} .save-state", "Published", f"the {what} to be published")


def last_editor(studio):
    editors = studio.driver.find_elements(By.CSS_SELECTOR, ".editor-pane")
    return editors[-1] if editors else None


def run(arguments):
    studio = Studio(arguments.url, arguments.screenshots, arguments.timeout)
    api = API(arguments.url, "admin", arguments.admin_password)
    try:
        studio.sign_in("admin", arguments.admin_password)
        if api.query('count(*[_id in path("drafts.**")])') != 0:
            raise StudioFailure("the demo holds drafts; the totals below count published clients only")

        # 1. A list pages as it scrolls, shows its total and keeps its order to the 250th client.
        total = api.query('count(*[_type == "customer"])')
        if total < 250:
            raise StudioFailure(f"the demo holds {total} general customers; this test needs at least 250")
        studio.open_desk_item("customers", "customer")
        studio.wait(lambda driver: len(rows(studio)) > 0, "the general customers")
        studio.text_of(".pane .pane-status", f"{total:,} documents", "the list's total")
        Select(studio.driver.find_element(By.CSS_SELECTOR, ".pane select.ordering")).select_by_visible_text("Name")
        studio.wait(lambda driver: rows(studio)[0].find_element(By.CSS_SELECTOR, ".item-title").text
                    == api.query('*[_type == "customer"] | order(name asc)[0].name'), "the list sorted by name")
        scroll_list_to(studio, 250)
        shown = rows(studio)
        ids = [row.get_attribute("data-id") for row in shown]
        if len(set(ids)) != len(ids):
            raise StudioFailure("paging showed a client twice")
        expected = api.query('*[_type == "customer"] | order(name asc)[249].name')
        if shown[249].find_element(By.CSS_SELECTOR, ".item-title").text != expected:
            raise StudioFailure(f"the 250th client reads {shown[249].text!r}, expected {expected!r}")
        studio.text_of(".pane .pane-status", f"{total:,} documents, {len(shown)} shown", "the count of rows shown")
        studio.screenshot("list-250th-client")
        studio.check_console("paging the list")

        # 2. "New" starts a client with the schema's initial values; it is saved on the first edit.
        studio.driver.execute_script("document.querySelector('.pane .pane-status').scrollIntoView()")
        studio.click(".pane .new-document", "New in the general customers")
        studio.visible(".editor-pane .notice", "the notice that the document is new")
        studio.screenshot("new-client")
        studio.check_accessibility("a new client")
        if studio.field_input("name").get_attribute("value") != "":
            raise StudioFailure("a new client starts with a name")
        type_into(studio, "name", CLIENT_NAME)
        studio.text_of(".save-state", "Saved", "the new client's first save")
        type_into(studio, "email", CLIENT_EMAIL)
        publish(studio, "new client")
        client_id = studio.driver.execute_script("return decodeURIComponent(location.hash).split(':').pop()")
        created = api.query("*[_id == $id][0]{name, email, segment, lifetimeValue, preferredLanguage, consent}", {"id": client_id})
        if not created or created["name"] != CLIENT_NAME or created["segment"] != "new" or created["lifetimeValue"] != 0 \
                or created["preferredLanguage"] != "en" or (created.get("consent") or {}).get("emailMarketing") is not False:
            raise StudioFailure(f"the new client was stored as {created}, expected the name and the schema's initial values")
        studio.check_console("creating a client")

        # 3. Search ignores accents and case: "lopez" and "zoe" find "Zoë López-Martín".
        search = studio.driver.find_element(By.CSS_SELECTOR, ".pane input[type=search]")
        for term in ["lopez", "ZOE", "zoe lopez"]:
            studio.replace_text(search, term)
            studio.wait(lambda driver: any(row.get_attribute("data-id") == client_id for row in rows(studio)),
                        f"the search {term!r} to find {CLIENT_NAME}")
        studio.text_of(".pane .pane-status", "best first", "the search's matches, best first")
        studio.screenshot("search-without-accents")
        studio.replace_text(search, "")

        # 4. From the client's page: an order, through the template that fills the client.
        studio.click('button[data-template="order-for-client"]', "New order for this client")
        studio.wait(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, ".editor-pane")) == 2,
                    "the order opened to the right of the client")
        order_pane = last_editor(studio)
        studio.text_of(f'.editor-pane:last-child {field("customer")} .reference-title', CLIENT_NAME, "the order's client, filled in")
        order_id = studio.driver.execute_script("return decodeURIComponent(location.hash).split(':').pop()")
        type_into(studio, "orderNumber", "SO-990001")
        studio.click(f'.editor-pane:last-child {field("lineItems")} .member-add', "Add a line item")
        line = studio.visible(f'.editor-pane:last-child {field("lineItems")} .member-item:last-child .field.member', "the new line")
        key = line.get_attribute("data-key")
        product = studio.visible(f'{field(member("lineItems", key) + ".product")} input[role=combobox]', "the line's product picker")
        studio.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", product)
        product.click()
        studio.text_of(f'{field(member("lineItems", key) + ".product")} .picker-status', "Recently edited",
                       "recent products before anything is typed")
        studio.screenshot("picker-recent")
        product.send_keys(Keys.ENTER)
        studio.visible(f'{field(member("lineItems", key) + ".product")} .reference-title', "the picked product")
        studio.replace_text(studio.driver.find_element(By.CSS_SELECTOR, f'{field(member("lineItems", key) + ".quantity")} input'), "1")
        studio.replace_text(studio.driver.find_element(By.CSS_SELECTOR, f'{field(member("lineItems", key) + ".unitPrice")} input'), "1250")
        type_into(studio, "subtotal", "1250")
        type_into(studio, "total", "1250")
        Select(studio.driver.find_element(By.CSS_SELECTOR, f'.editor-pane:last-child {field("currency")} select')).select_by_value("EUR")
        publish(studio, "order")
        order = api.query("*[_id == $id][0]{orderNumber, status, channel, \"client\": customer._ref, orderDate}", {"id": order_id})
        if not order or order["client"] != client_id or order["status"] != "pending" or order["channel"] != "boutique" or not order["orderDate"]:
            raise StudioFailure(f"the order was stored as {order}, expected it to point at the new client with the template's values")
        if order_pane not in studio.driver.find_elements(By.CSS_SELECTOR, ".editor-pane") or len(studio.driver.find_elements(By.CSS_SELECTOR, ".editor-pane")) != 2:
            raise StudioFailure("the client's pane did not stay open beside the order")
        client_pane = '.editor-pane:nth-last-child(2)'
        studio.visible(f'{client_pane} .referenced-group[data-type="salesOrder"] .referencing-item[data-id="{order_id}"]',
                       "the order under the client's Referenced by")
        studio.text_of(f'{client_pane} .referenced-group[data-type="salesOrder"] h4', "(1)", "the count of the client's orders")
        studio.screenshot("referenced-by-order")
        studio.check_accessibility("the client with its order")
        studio.check_console("creating an order from the client")

        # ...and an interaction, logged the same way.
        studio.click(f'{client_pane} button[data-template="interaction-with-client"]', "Log an interaction")
        studio.wait(lambda driver: last_editor(studio) != order_pane and len(driver.find_elements(By.CSS_SELECTOR, ".editor-pane")) == 2,
                    "the interaction opened to the right of the client")
        interaction_id = studio.driver.execute_script("return decodeURIComponent(location.hash).split(':').pop()")
        Select(studio.driver.find_element(By.CSS_SELECTOR, f'.editor-pane:last-child {field("channel")} select')).select_by_value("phone")
        Select(studio.driver.find_element(By.CSS_SELECTOR, f'.editor-pane:last-child {field("outcome")} select')).select_by_value("interested")
        publish(studio, "interaction")
        studio.visible(f'.editor-pane:first-of-type .referencing-item[data-id="{interaction_id}"], '
                       f'{client_pane} .referencing-item[data-id="{interaction_id}"]', "the interaction under Referenced by")

        # Opening the order's client from the order keeps the order open.
        studio.click(f'{client_pane} .referencing-item[data-id="{order_id}"]', "the order under Referenced by")
        studio.text_of(".editor-pane:last-child .editor-title", "SO-990001", "the order opened to the right")
        studio.click(f'.editor-pane:last-child {field("customer")} .reference-open', "Open the order's client")
        studio.wait(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, ".editor-pane")) == 3,
                    "the client opened in a third pane, the order kept")
        studio.screenshot("reference-opened-to-the-right")
        studio.check_console("relating documents")

        # 5. The picker's rows tell namesakes apart: no two rows read the same.
        studio.driver.execute_script("location.hash = arguments[0]", f"#/desk/team/interaction/%3A{interaction_id}")
        picker = studio.visible(f'{field("customer")} input[role=combobox]', "the interaction's client picker")
        common = api.query('*[_type in ["customer", "lizaCustomer"]]{"first": string::split(name, " ")[0]}.first')
        first_name = max(set(common), key=common.count)
        namesakes = common.count(first_name)
        picker.send_keys(first_name)

        def found(driver):
            titles = [option.text for option in driver.find_elements(By.CSS_SELECTOR, f'{field("customer")} [role=option] .item-title')
                      if "Create new" not in option.text]
            return len(titles) >= min(namesakes, 10) and all(title.startswith(first_name) for title in titles)
        studio.wait(found, f"the {namesakes} clients named {first_name}")
        options = [option.text for option in studio.driver.find_elements(By.CSS_SELECTOR, f'{field("customer")} [role=option]')
                   if "Create new" not in option.text]
        if len(set(options)) != len(options):
            raise StudioFailure(f"picker rows that cannot be told apart: {options}")
        studio.screenshot("picker-namesakes")

        # "Create new" in the picker: the new client opens to the right, named as typed, and is
        # linked back once published.
        studio.replace_text(picker, "Nova Quist")
        studio.text_of(f'{field("customer")} [role=option] .create-new', "Nova Quist", "Create new, with the name typed, in the picker")
        studio.driver.find_element(By.CSS_SELECTOR, f'{field("customer")} [role=option] .create-new').click()
        studio.wait(lambda driver: len(driver.find_elements(By.CSS_SELECTOR, ".editor-pane")) == 2, "the new client opened to the right")
        if studio.driver.find_element(By.CSS_SELECTOR, '.editor-pane:last-child .field[data-path="name"] input').get_attribute("value") != "Nova Quist":
            raise StudioFailure("the client created from the picker does not carry the name typed")
        studio.replace_text(studio.driver.find_element(By.CSS_SELECTOR, '.editor-pane:last-child .field[data-path="email"] input'),
                            "nova.quist@example.com")
        publish(studio, "client created from the picker")
        studio.text_of(f'.editor-pane:first-of-type {field("customer")} .reference-title, '
                       f'.editor-pane:nth-last-child(2) {field("customer")} .reference-title', "Nova Quist",
                       "the new client linked in the picker once published")
        studio.screenshot("picker-created-and-linked")

        # 6. Search everywhere (Ctrl+K) finds the client without its accents and opens it.
        studio.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "k")
        box = studio.visible("#search-everywhere", "the search everywhere box")
        box.send_keys("zoe lopez")
        studio.wait(lambda driver: CLIENT_NAME in driver.find_element(By.CSS_SELECTOR, ".everywhere-results [role=option]").text,
                    "the client at the top of everything found")
        studio.screenshot("search-everywhere")
        studio.check_accessibility("search everywhere")
        box.send_keys(Keys.ENTER)
        studio.text_of(".editor-pane:last-child .editor-title", CLIENT_NAME, "the client opened from the search")

        # 7. A duplicate keeps none of the client's own data.
        studio.driver.execute_script("document.querySelector('.editor-pane:last-child [id^=action-duplicate]').click()")
        studio.visible(".editor-pane .notice", "the duplicate, new and unsaved")
        studio.wait(lambda driver: studio.field_input("name").get_attribute("value") == "", "the duplicate without the client's name")
        if studio.field_input("email").get_attribute("value"):
            raise StudioFailure("the duplicate copied the client's email")
        studio.screenshot("duplicate")
        studio.check_console("duplicating")

        # 8. Sales may create orders but not clients: a client's email is required and hidden from sales.
        if arguments.sales_user:
            studio.click(".sign-out", "Sign out")
            studio.sign_in(arguments.sales_user, arguments.sales_password)
            studio.open_desk_item("customers", "customer")
            studio.wait(lambda driver: len(rows(studio)) > 0, "the general customers for sales")
            if studio.driver.find_elements(By.CSS_SELECTOR, ".pane .new-document"):
                raise StudioFailure("sales is offered New for clients, which it could never publish")
            studio.driver.execute_script("location.hash = '#/desk/commerce/ordersByStatus/salesOrder'")
            studio.visible(".pane .new-document", "New in the sales orders for sales")
            studio.screenshot("sales-new-order")
            studio.check_console("the sales session")
    finally:
        studio.close()



if __name__ == "__main__":
    sys.exit(studio_test.main(run, __doc__, "studio find test passed"))
