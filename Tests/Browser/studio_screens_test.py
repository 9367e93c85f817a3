#!/usr/bin/env python3
"""The studio on every screen, for every role, in headless Chromium.

Runs against a `facet serve` holding the demo (see studio_test.py for the arguments):

    python3 Tests/Browser/studio_screens_test.py --url http://127.0.0.1:3333 \
        --admin-password '...' --support-user helpdesk --support-password '...' \
        --sales-user seller --sales-password '...' --screenshots .build/studio-screenshots/screens

On a laptop (1440 px) the editor keeps at least 640 px, its secondary actions sit in a keyboard
operable "More" menu and History opens beside the form; a status message belongs to the last
action, the progress bar is drawn, and lists show what an action wrote. The demo's dashboard draws
its charts with whole labels, one colour per series and table headings from the schema, and a new
dashboard is created, previewed while its widget is written, and published. At 820 px the desk
shows one pane with Back and a breadcrumb; at 390 x 844 a list, a document, an edit, Publish,
More and search all work. Dark mode follows the system. Sales is offered only what sales can do
and sees where fields are hidden from it; the audit log offers no write. Each new screen passes
axe-core with no serious or critical violation; any console error fails. Integrations: a publish
scheduled from the editor, listed and cancelled; a webhook refused at its bad filter, created, its
delivery tried and its attempts read (integrations.py). This week: a manager chooses an advisor's
list and logs a contact in one click; a seller linked to no staff record is told why they have
no list. Screenshots of every screen at 1440, 820
and 390 px go to --screenshots.
"""

import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

import studio_test
from integrations import check_integrations
from studio_test import API, WIDTHS, Studio, StudioFailure, check_screen, size



def rect(studio, selector):
    return studio.driver.execute_script(
        "const e = document.querySelector(arguments[0]); if (!e) return null;"
        "const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height};",
        selector)


def visible_panes(studio):
    return studio.driver.execute_script(
        "return [...document.querySelectorAll('.panes > .pane')].filter((pane) => pane.offsetParent !== null).length")


def menu_items(studio):
    """The ids of the actions the More menu offers (none when the menu is not offered)."""
    return studio.driver.execute_script("""
        const control = document.querySelector('.editor-pane:last-child .menu-control');
        if (!control || control.hidden) return [];
        return [...control.querySelectorAll('[role=menuitem]')].map((item) => item.id);
    """)


def open_document(studio, path, index=0, what="a document"):
    studio.driver.get(studio.url + "/#/desk/" + "/".join(path))
    rows = studio.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".pane:last-child .document-item"), f"the list {path[-1]}")
    rows[index].click()
    studio.visible(".editor-pane .editor-title", what)
    studio.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, ".editor-pane .editor-title").text not in ("", "Untitled"),
                f"the title of {what}")


def check_more_menu_by_keyboard(studio):
    """The ARIA menu button: Enter opens on the first item, arrows move, Escape closes and refocuses."""
    button = studio.visible("#more-actions-button", "the More button")
    if button.get_attribute("aria-haspopup") != "menu" or button.get_attribute("aria-expanded") != "false":
        raise StudioFailure("the More button does not announce a closed menu")
    studio.driver.execute_script("arguments[0].focus()", button)
    studio.press(Keys.ENTER)
    menu = studio.visible(".editor-pane [role=menu]", "the More menu")
    items = menu.find_elements(By.CSS_SELECTOR, "[role=menuitem]")
    if button.get_attribute("aria-expanded") != "true" or studio.driver.switch_to.active_element != items[0]:
        raise StudioFailure("Enter on More did not open the menu with its first item focused")
    studio.press(Keys.ARROW_DOWN)
    if studio.driver.switch_to.active_element != items[1]:
        raise StudioFailure("the down arrow did not move to the second action")
    studio.press(Keys.END)
    if studio.driver.switch_to.active_element != items[-1]:
        raise StudioFailure("End did not move to the last action")
    box = rect(studio, ".editor-pane [role=menu]")
    width, height = studio.driver.execute_script("return [window.innerWidth, window.innerHeight]")
    if box["left"] < 0 or box["right"] > width + 1 or box["top"] < 0 or box["bottom"] > height + 1:
        raise StudioFailure(f"the More menu is not within the screen: {box} on {width} x {height}")
    return items


def close_menu(studio):
    studio.press(Keys.ESCAPE)
    studio.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, ".editor-pane [role=menu]").get_attribute("hidden") is not None,
                "the More menu to close on Escape")
    if studio.driver.switch_to.active_element.get_attribute("id") != "more-actions-button":
        raise StudioFailure("Escape did not give the focus back to the More button")


def edit_and_publish(studio, api, path, field, suffix, what):
    """Opens the first document of `path`, changes `field`, waits for the draft, publishes it."""
    open_document(studio, path, what=what)
    box = studio.field_input(field)
    document_id = studio.driver.find_element(By.CSS_SELECTOR, ".pane .document-item[aria-current]").get_attribute("data-id")
    value = box.get_attribute("value").split(" ·")[0] + suffix
    studio.replace_text(box, value)
    studio.text_of("#save-state", "Saved", f"the {what}'s draft to be saved")
    studio.wait(lambda driver: driver.find_element(By.ID, "publish").is_enabled(), f"Publish for the {what}")
    studio.click("#publish", "Publish")
    studio.text_of("#save-state", "Published", f"the {what} to be published")
    stored = api.query("*[_id == $id][0]." + field, {"id": document_id})
    if stored != value:
        raise StudioFailure(f"the published {what} holds {stored!r}, expected {value!r}")
    return document_id


def laptop(studio, api):
    size(studio, "laptop")
    open_document(studio, ["customers", "liza", "lizaCustomer"], what="a LIZA VIP")
    width = rect(studio, ".editor-pane")["width"]
    if width < 640:
        raise StudioFailure(f"at 1440 px the editor is {width:.0f} px wide, expected at least 640")
    bar = studio.driver.execute_script("const b = document.querySelector('.document-actions'); return [b.scrollWidth, b.clientWidth]")
    if bar[0] > bar[1] + 1:
        raise StudioFailure(f"the action bar scrolls sideways ({bar[0]} px in {bar[1]})")
    check_screen(studio, "the editor at 1440 px", "laptop-editor")
    items = check_more_menu_by_keyboard(studio)
    offered = [item.get_attribute("id") for item in items]
    for expected in ["action-unpublish", "action-duplicate", "action-delete", "action-recalculate-lifetime-value"]:
        if expected not in offered:
            raise StudioFailure(f"an admin's More menu on a published VIP lacks {expected}: {offered}")
    if "action-discard" in offered:
        raise StudioFailure("Discard changes is offered on a document without a draft")
    check_screen(studio, "the More menu at 1440 px", "laptop-more-menu")
    close_menu(studio)

    # History beside the form, both on screen.
    studio.click("#history-toggle", "History")
    studio.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#history .history-entry, #history .history-entry-static"),
                "the history's transactions")
    history, form = rect(studio, "#history"), rect(studio, ".editor-pane .document-form")
    if history["left"] < form["right"] - 1 or history["top"] > 400:
        raise StudioFailure(f"History is not beside the form: history {history}, form {form}")
    if history["right"] > studio.driver.execute_script("return window.innerWidth") + 1:
        raise StudioFailure(f"History reaches past the screen's edge: {history}")
    overflow = studio.driver.execute_script("const p = document.querySelector('.panes'); return p.scrollWidth - p.clientWidth")
    if overflow > 1:
        raise StudioFailure(f"with History open the desk scrolls sideways by {overflow} px")
    check_screen(studio, "History beside the form", "laptop-history")
    studio.click("#history .history-close", "Close the history")

    # A status message belongs to the last action: Publish replaces "Changes discarded".
    open_document(studio, ["commerce", "product"], what="a product")
    name = studio.field_input("name")
    original = name.get_attribute("value")
    studio.replace_text(name, original + " Draft")
    studio.text_of("#save-state", "Saved", "the product's draft")
    studio.click("#action-discard", "Discard changes")
    studio.text_of("#action-result", "Changes discarded", "the discard's message")
    name = studio.field_input("name")
    studio.replace_text(name, original + " New")
    studio.text_of("#save-state", "Saved", "the product's new draft")
    studio.wait(lambda driver: driver.find_element(By.ID, "publish").is_enabled(), "Publish")
    studio.click("#publish", "Publish")
    studio.text_of("#save-state", "Published", "the product to be published")
    said = studio.driver.find_element(By.ID, "action-result").text
    if "discarded" in said or said != "Published":
        raise StudioFailure(f"after Publish the editor says {said!r}, expected the publication")
    check_screen(studio, "a publication after a discard", "laptop-published-message")


def dashboards(studio, api):
    """The demo's dashboard drawn as it should be, then a new one created, previewed and published."""
    size(studio, "laptop")
    studio.driver.get(studio.url + "/#/desk/intelligence/analyticsDashboard")
    studio.click('.document-item[data-id="dashboard-demo-overview"]', "the demo's dashboard")
    studio.text_of(".editor-title", "Demo overview", "the demo dashboard")
    bars = studio.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, '.widget[data-key="clients-by-segment"] svg .bar rect'),
                       "the bars of clients by segment")
    colours = {bar.get_attribute("fill") for bar in bars}
    if len(colours) != 1:
        raise StudioFailure(f"one series is drawn in {len(colours)} colours: {colours}")
    # Every label whole, or shortened with the whole label on hover and in the table.
    for widget in ["clients-by-segment", "liza-tiers"]:
        for group in studio.driver.find_elements(By.CSS_SELECTOR, f'.widget[data-key="{widget}"] svg .bar'):
            label = group.find_element(By.CSS_SELECTOR, "text").get_attribute("textContent")
            tip = group.find_element(By.CSS_SELECTOR, "title").get_attribute("textContent")
            if label.endswith("…") and not tip.startswith(label[:-1]):
                raise StudioFailure(f"the label {label!r} is cut without its whole text on hover ({tip!r})")
            if not label.endswith("…") and not tip.startswith(label):
                raise StudioFailure(f"the bar's tooltip {tip!r} does not name its label {label!r}")
    headings = studio.wait(lambda driver: [th.get_attribute("textContent") for th in driver.find_elements(
        By.CSS_SELECTOR, '.widget[data-key="top-clients"] thead th')], "the table of the most valuable clients")
    if "lifetimeValue" in headings or not any(heading.startswith("Lifetime Value") and "USD" in heading for heading in headings):
        raise StudioFailure(f"the table's headings are {headings}, expected the schema's titles with the currency")
    money = studio.driver.find_element(By.CSS_SELECTOR, '.widget[data-key="top-clients"] tbody td:last-child').text
    if not money.startswith("$"):
        raise StudioFailure(f"a lifetime value reads {money!r}, expected its currency")
    studio.driver.execute_script("document.querySelector('.dashboard').scrollIntoView()")
    check_screen(studio, "the demo's dashboard", "laptop-demo-dashboard")

    # The action bar's progress is drawn, and what the action wrote reaches the open lists.
    studio.driver.execute_script("""
        window.progressWidths = [];
        window.writtenSeen = [];
        window.addEventListener('facet:written', (event) => window.writtenSeen.push(event.detail.ids.length));
        new MutationObserver(() => {
          const bar = document.getElementById('action-progress-bar');
          if (bar && bar.offsetParent !== null) window.progressWidths.push(bar.getBoundingClientRect().width);
        }).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    """)
    studio.click("#action-refresh-dashboard", "Refresh dashboard")
    # A whole refresh (every model, then the trends) shares two cores with the rest of the suite:
    # on a loaded machine it has taken over 30 s, so it gets the time a refresh needs.
    studio.text_of("#action-result", "Dashboard refreshed", "the refresh's message", timeout=180)
    widths = studio.driver.execute_script("return window.progressWidths")
    if not widths or min(widths) < 60:
        raise StudioFailure(f"the progress bar was drawn {min(widths) if widths else 0:.0f} px wide")
    seen = studio.driver.execute_script("return window.writtenSeen")
    if not seen or max(seen) == 0:
        raise StudioFailure(f"the refresh told the open lists of no written document: {seen}")
    studio.visible('.widget[data-key="analytics-churn-risk"] .chart-legend', "the churn risk donut's legend")
    order = [item.text.split(":")[0] for item in studio.driver.find_elements(
        By.CSS_SELECTOR, '.widget[data-key="analytics-churn-risk"] .chart-legend li')]
    if order != ["low", "medium", "high", "critical"]:
        raise StudioFailure(f"the churn levels are listed {order}, expected low to critical")
    swatches = [item.get_attribute("fill") for item in studio.driver.find_elements(
        By.CSS_SELECTOR, '.widget[data-key="analytics-churn-risk"] .chart-legend .swatch rect')]
    if len(set(swatches)) != 4:
        raise StudioFailure(f"the four churn levels do not have four colours: {swatches}")
    studio.driver.execute_script("document.querySelector('.widget[data-key=\"analytics-churn-risk\"]').scrollIntoView()")
    check_screen(studio, "the refreshed dashboard", "laptop-refreshed-dashboard")

    # A new dashboard: a title, a slug, one widget written and previewed, then published.
    studio.driver.get(studio.url + "/#/desk/intelligence/analyticsDashboard")
    studio.click(".pane .new-document", "New dashboard")
    studio.visible(".editor-pane .editor-title", "the new dashboard")
    studio.replace_text(studio.field_input("title"), "Boutique pulse")
    studio.click('.field[data-path="slug"] button', "Generate the slug")
    studio.text_of("#save-state", "Saved", "the new dashboard's draft")
    studio.click('.field[data-path="widgets"] .member-add', "Add a widget")
    title = studio.visible('.field[data-path^="widgets"][data-path$=".title"] input', "the widget's title")
    title.send_keys("Orders by channel")
    kind = studio.visible('.field[data-path^="widgets"][data-path$=".kind"] select, '
                          '.field[data-path^="widgets"][data-path$=".kind"] input[value="bar-chart"]', "the widget's chart type")
    if kind.tag_name == "select":
        from selenium.webdriver.support.ui import Select
        Select(kind).select_by_value("bar-chart")
    else:
        kind.click()
    query = studio.visible('.field[data-path^="widgets"][data-path$=".query"] textarea', "the widget's query")
    query.send_keys('{"Boutique": count(*[_type == "salesOrder" && channel == "boutique"]), '
                    '"Online": count(*[_type == "salesOrder" && channel == "online"]), '
                    '"Private appointment": count(*[_type == "salesOrder" && channel == "private-appointment"])}')
    studio.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".dashboard .widget svg .bar"),
                "the widget's chart previewed while editing")
    studio.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, '.widget-preview svg .bar'),
                "the widget's chart beside the widget being written")
    label = studio.driver.find_element(By.CSS_SELECTOR, ".dashboard .widget svg[role=img]").get_attribute("aria-label")
    if "Private appointment" not in label:
        raise StudioFailure(f"the previewed chart says {label!r}")
    studio.text_of("#save-state", "Saved", "the widget to be saved")
    studio.wait(lambda driver: driver.find_element(By.ID, "publish").is_enabled(), "Publish for the new dashboard")
    studio.click("#publish", "Publish the dashboard")
    studio.text_of("#save-state", "Published", "the new dashboard to be published")
    stored = api.query('*[_type == "analyticsDashboard" && title == "Boutique pulse" && !(_id in path("drafts.**"))][0]{title, "widgets": widgets[]{title, kind}}')
    if stored != {"title": "Boutique pulse", "widgets": [{"title": "Orders by channel", "kind": "bar-chart"}]}:
        raise StudioFailure(f"the published dashboard holds {stored}")
    studio.driver.execute_script("document.querySelector('.widget-preview').scrollIntoView({block: 'center'})")
    check_screen(studio, "a dashboard created in the studio", "laptop-new-dashboard")


def tablet(studio, api):
    size(studio, "tablet")
    studio.driver.get(studio.url + "/#/desk")
    studio.click('.pane-item[data-id="customers"]', "Customers")
    studio.wait(lambda driver: visible_panes(studio) == 1, "one pane at a time at 820 px")
    back = studio.visible(".desk-trail .trail-back", "Back")
    if not back.get_attribute("href").endswith("#/desk"):
        raise StudioFailure(f"Back from Customers goes to {back.get_attribute('href')}")
    check_screen(studio, "a list at 820 px", "tablet-list")
    document_id = edit_and_publish(studio, api, ["commerce", "product"], "name", " T", "product at 820 px")
    if visible_panes(studio) != 1:
        raise StudioFailure(f"at 820 px {visible_panes(studio)} panes show, expected the document alone")
    crumbs = [item.text for item in studio.driver.find_elements(By.CSS_SELECTOR, ".desk-trail .trail-crumbs li")]
    title = studio.driver.find_element(By.CSS_SELECTOR, ".editor-title").text
    if crumbs[-1] != title or "Commerce" not in crumbs:
        raise StudioFailure(f"the breadcrumb reads {crumbs}, expected Commerce … {title!r}")
    box = rect(studio, ".editor-pane")
    if box["left"] < -1 or box["right"] > 821:
        raise StudioFailure(f"the editor is not within the 820 px screen: {box}")
    studio.click("#more-actions-button", "More")
    studio.visible(".editor-pane [role=menu]", "the More menu at 820 px")
    check_screen(studio, "the More menu at 820 px", "tablet-more-menu")
    close_menu(studio)
    studio.click("#history-toggle", "History")
    studio.visible("#history .history-close", "the history over the form")
    studio.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#history .history-entry, #history .history-entry-static"),
                "the history's transactions at 820 px")
    check_screen(studio, "History at 820 px", "tablet-history")
    studio.click("#history .history-close", "Close the history")
    studio.click(".desk-trail .trail-back", "Back")
    studio.wait(lambda driver: driver.find_element(By.CSS_SELECTOR, ".pane:last-child").get_attribute("aria-labelledby") and
                driver.find_elements(By.CSS_SELECTOR, f'.pane:last-child .document-item[data-id="{document_id}"]'),
                "Back to the list of products")
    if visible_panes(studio) != 1:
        raise StudioFailure("Back shows more than one pane")
    check_screen(studio, "Back to the list at 820 px", "tablet-back")


def phone(studio, api):
    size(studio, "phone")
    studio.driver.get(studio.url + "/#/desk")
    studio.visible('.pane-item[data-id="commerce"]', "the desk on a phone")
    check_screen(studio, "the desk at 390 px", "phone-desk")
    studio.click('.pane-item[data-id="commerce"]', "Commerce")
    studio.click('.pane-item[data-id="product"]', "Products")
    search = studio.visible(".pane:last-child input[type=search]", "the list's search")
    first = studio.visible(".pane:last-child .document-item .item-title", "the products").text
    term = first.split()[0]
    search.send_keys(term)
    studio.wait(lambda driver: term.lower() in driver.find_element(By.CSS_SELECTOR, ".pane:last-child .document-item .item-title").text.lower(),
                "the search to find the product")
    check_screen(studio, "searching at 390 px", "phone-search")
    studio.replace_text(search, "")
    document_id = edit_and_publish(studio, api, ["commerce", "product"], "name", " P", "product on a phone")
    overflow = studio.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        raise StudioFailure(f"the phone's page scrolls sideways by {overflow} px")
    publish, more = rect(studio, "#publish"), rect(studio, "#more-actions-button")
    if abs(publish["top"] - more["top"]) > 4:
        raise StudioFailure(f"Publish and More are not on one row on a phone: {publish} {more}")
    check_screen(studio, "the editor at 390 px", "phone-editor")
    items = check_more_menu_by_keyboard(studio)
    if not items:
        raise StudioFailure("the More menu offers nothing on a phone")
    check_screen(studio, "the More menu at 390 px", "phone-more-menu")
    close_menu(studio)
    studio.click("#open-search", "Search everywhere")
    box = studio.visible(".search-everywhere input", "the search everywhere box")
    box.send_keys(api.query("*[_id == $id][0].name", {"id": document_id}).split()[0])
    studio.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, ".everywhere-results .picker-option"), "results everywhere")
    check_screen(studio, "search everywhere at 390 px", "phone-search-everywhere")
    studio.click('.search-everywhere button[aria-label="Close the search"]', "Close the search")
    studio.wait(lambda driver: not driver.execute_script("return document.querySelector('.search-everywhere').open"),
                "the search to close")


def gallery(studio):
    """Every screen at every width, as an editor would look at them."""
    for name in ["laptop", "tablet", "phone"]:
        size(studio, name)
        studio.driver.get(studio.url + "/#/desk/intelligence/analyticsDashboard")
        studio.click('.document-item[data-id="dashboard-demo-overview"]', "the demo's dashboard")
        studio.visible('.widget[data-key="analytics-trend-collection-performance"] svg .bar', "a trend chart with long labels")
        studio.driver.execute_script(
            "document.querySelector('.widget[data-key=\"analytics-trend-collection-performance\"]').scrollIntoView()")
        overflow = studio.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            raise StudioFailure(f"the dashboard scrolls sideways by {overflow} px at {WIDTHS[name][0]} px")
        check_screen(studio, f"trend charts at {WIDTHS[name][0]} px", f"{name}-trend-charts")
        if name != "laptop":
            studio.driver.execute_script("document.querySelector('.dashboard').scrollIntoView()")
            check_screen(studio, f"the dashboard at {WIDTHS[name][0]} px", f"{name}-dashboard")
            open_document(studio, ["compliance", "auditLog"], what="an audit entry")
            check_screen(studio, f"an audit entry at {WIDTHS[name][0]} px", f"{name}-audit-entry")
        studio.click('.nav-link[href="#/vision"]', "Vision")
        studio.visible("#vision-query", "Vision")
        check_screen(studio, f"Vision at {WIDTHS[name][0]} px", f"{name}-vision")


def dark(studio):
    studio.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        for name in ["laptop", "phone"]:
            size(studio, name)
            open_document(studio, ["customers", "liza", "lizaCustomer"], what="a VIP in the dark")
            background = studio.driver.execute_script("return getComputedStyle(document.querySelector('.editor-pane')).backgroundColor")
            channels = [int(part) for part in background[background.index("(") + 1:background.index(")")].split(",")[:3]]
            if sum(channels) > 200:
                raise StudioFailure(f"in dark mode the editor's background is {background}")
            check_screen(studio, f"dark mode at {WIDTHS[name][0]} px", f"{name}-dark-editor")
        size(studio, "laptop")
        studio.driver.get(studio.url + "/#/desk/intelligence/analyticsDashboard")
        studio.click('.document-item[data-id="dashboard-demo-overview"]', "the demo's dashboard in the dark")
        studio.visible('.widget[data-key="clients-by-segment"] svg .bar', "the charts in the dark")
        check_screen(studio, "the dashboard in dark mode", "laptop-dark-dashboard")
    finally:
        studio.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})


def sales(studio, arguments):
    studio.click(".sign-out", "Sign out")
    studio.sign_in(arguments.sales_user, arguments.sales_password)
    for name in ["laptop", "tablet", "phone"]:
        size(studio, name)
        open_document(studio, ["customers", "liza", "lizaCustomer"], what="a VIP for sales")
        hidden = studio.visible('.field-hidden[data-hidden-field="email"]', "the email's place, hidden for sales")
        if "hidden for your role" not in hidden.text or "Email" not in hidden.text:
            raise StudioFailure(f"the hidden email's place reads {hidden.text!r}")
        offered = menu_items(studio)
        for refused in ["action-unpublish", "action-discard", "action-duplicate", "action-delete"]:
            if refused in offered:
                raise StudioFailure(f"sales is offered {refused} on a VIP whose sensitive fields it cannot see: {offered}")
        if "action-recalculate-lifetime-value" not in offered:
            raise StudioFailure(f"sales, who may run the client actions, is not offered them: {offered}")
        check_screen(studio, f"sales on a VIP at {WIDTHS[name][0]} px", f"{name}-sales-vip")
    size(studio, "laptop")
    # A type sales reads only: no write offered at all.
    open_document(studio, ["commerce", "product"], what="a product for sales")
    if menu_items(studio):
        raise StudioFailure(f"sales is offered {menu_items(studio)} on a product it may only read")
    if studio.driver.find_element(By.ID, "publish").is_displayed():
        raise StudioFailure("sales is offered Publish on a product it may only read")
    check_screen(studio, "sales on a product", "laptop-sales-product")
    # Orders sales may write: Delete is offered.
    open_document(studio, ["commerce", "ordersByStatus", "salesOrder"], what="an order for sales")
    if "action-delete" not in menu_items(studio):
        raise StudioFailure(f"sales, who may delete orders, is offered {menu_items(studio)}")
    # A seller whose user is linked to no staff record has no list of their own, and is told why.
    studio.driver.get(studio.url + "/#/reports/worklist")
    studio.text_of(".report-body", "not linked to a staff member", "the worklist's note for an unlinked seller")
    studio.click(".sign-out", "Sign out")


def worklist(studio, api):
    """This week, as a manager: every advisor's list, one chosen, a contact logged in one click."""
    size(studio, "laptop")
    studio.driver.get(studio.url + "/#/reports/worklist")
    studio.visible(".report-card", "a card of the worklist")
    if studio.driver.find_element(By.CSS_SELECTOR, ".nav-link[aria-current=page]").text != "This week":
        raise StudioFailure("the header does not mark This week as the page shown")
    advisors = studio.driver.find_elements(By.CSS_SELECTOR, ".report-filter select option")
    sections = studio.driver.find_elements(By.CSS_SELECTOR, ".report-section")
    if len(advisors) != len(sections) + 1 or advisors[0].text != "Every advisor":
        raise StudioFailure(f"the advisor filter offers {[a.text for a in advisors]} for {len(sections)} sections")
    chosen = advisors[1].get_attribute("value")
    Select(studio.driver.find_element(By.CSS_SELECTOR, ".report-filter select")).select_by_value(chosen)
    studio.wait(lambda driver: "staff=" in driver.current_url and len(driver.find_elements(By.CSS_SELECTOR, ".report-section")) == 1,
                "the list of one advisor")
    studio.visible(f'.report-section[data-section="{chosen}"] .report-card', "the chosen advisor's cards")
    for name in ["laptop", "tablet", "phone"]:
        size(studio, name)
        check_screen(studio, f"the worklist at {WIDTHS[name][0]} px", f"{name}-worklist")
    size(studio, "laptop")
    card = studio.driver.find_element(By.CSS_SELECTOR, ".report-card:not(.is-done)")
    client = card.get_attribute("data-item")
    contacts = '*[_type == "interaction" && customer._ref == $client && outcome == "interested" && direction == "outbound"]'
    before = len(api.query(contacts, {"client": client}))
    card.find_element(By.XPATH, ".//button[text()='Interested']").click()
    studio.text_of("#report-message", "Logged a", "the contact's confirmation")
    studio.visible(f'.report-card.is-done[data-item="{client}"] .report-done', "the contacted card marked done")
    logged = len(api.query(contacts, {"client": client})) - before
    if logged != 1:
        raise StudioFailure(f"Contacted wrote {logged} interactions for {client}")
    check_screen(studio, "the worklist after a contact", "laptop-worklist-contacted")


def prediction(studio, api):
    """A client's lifetime value reads as a sentence and its figures, its workings behind Details."""
    size(studio, "laptop")
    document = api.query('*[_type == "analyticsModel" && modelType == "ltv-forecasting" && defined(customer)]'
                         ' | order(defined(forecast.confidenceInterval) desc, _id asc)[0]._id')
    if not document:
        raise StudioFailure("the demo has no lifetime-value document to open")
    studio.driver.get(studio.url + "/#/desk/:" + document)
    studio.visible(".editor-pane .prediction .prediction-sentence", "the prediction's sentence")
    studio.text_of(".prediction-sentence", "USD", "the sentence's amount in the house currency")
    details = studio.driver.find_element(By.CSS_SELECTOR, ".prediction-details")
    if details.get_attribute("open") is not None:
        raise StudioFailure("the prediction's details are open before anyone asked")
    studio.click(".prediction-details summary", "Details")
    studio.visible(".prediction-details .prediction-drivers", "the drivers behind the prediction")
    studio.text_of(".prediction-details", "The brief's heuristic, for comparison", "the heuristic beside the model")
    # A long text (the model's notes) is shown whole, not in a few lines to scroll inside.
    boxes = studio.driver.execute_script("""
        return [...document.querySelectorAll('.editor-pane textarea')].filter((box) => box.value.length > 200)
            .map((box) => ({ scrolls: box.scrollHeight > box.clientHeight + 2, height: box.clientHeight, text: box.value.slice(0, 40) }));
    """)
    if not boxes:
        raise StudioFailure("the lifetime-value document shows no long text (its notes)")
    for box in boxes:
        if box["scrolls"]:
            raise StudioFailure(f"a long text scrolls inside a {box['height']} px box instead of growing: {box['text']}…")
    for name in ["laptop", "tablet", "phone"]:
        size(studio, name)
        check_screen(studio, f"a prediction at {WIDTHS[name][0]} px", f"{name}-prediction")
    size(studio, "laptop")


def audit_log(studio):
    size(studio, "laptop")
    open_document(studio, ["compliance", "auditLog"], what="an audit entry")
    offered = menu_items(studio)
    if offered:
        raise StudioFailure(f"an audit entry offers {offered}; the audit log is written by Facet alone")
    if studio.driver.find_element(By.ID, "publish").is_displayed():
        raise StudioFailure("an audit entry offers Publish")
    studio.text_of(".editor-pane .notice", "written by Facet", "the note that the audit log is read-only")
    check_screen(studio, "an audit entry", "laptop-audit-entry")


def run(arguments):
    studio = Studio(arguments.url, arguments.screenshots, arguments.timeout)
    api = API(arguments.url, "admin", arguments.admin_password)
    try:
        studio.sign_in("admin", arguments.admin_password)
        studio.check_console("signing in")
        laptop(studio, api)
        audit_log(studio)
        dashboards(studio, api)
        worklist(studio, api)
        prediction(studio, api)
        tablet(studio, api)
        phone(studio, api)
        gallery(studio)
        dark(studio)
        check_integrations(studio, api)
        if arguments.sales_user:
            sales(studio, arguments)
    finally:
        studio.close()



if __name__ == "__main__":
    sys.exit(studio_test.main(run, __doc__, "studio screens test passed"))
