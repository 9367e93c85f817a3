#!/usr/bin/env python3
"""The studio's first screen on an empty dataset, in headless Chromium.

Runs against a `facet serve` started on an EMPTY data directory, with a sales user:

    python3 Tests/Browser/studio_first_run_test.py --url http://127.0.0.1:3333 \
        --admin-password '...' --sales-user seller --sales-password '...' --screenshots DIR

Sales is told plainly that the dataset is empty and who can fill it, and offered nothing it
cannot do. An admin is offered the demo CRM or to start creating, at 1440, 820 and 390 px; loads
the demo from the studio and lands on a desk that shows it; loading it again is refused (409)
because the dataset is no longer empty. axe-core finds no serious or critical violation; any
console error fails.
"""

import argparse
import os
import sys
import urllib.error

from selenium.webdriver.common.by import By

from studio_test import API, Studio, StudioFailure
from studio_screens_test import WIDTHS, check_screen, size


def run(arguments):
    studio = Studio(arguments.url, arguments.screenshots, arguments.timeout)
    try:
        # Sales on an empty dataset: a plain explanation, nothing to click that would fail.
        studio.sign_in(arguments.sales_user, arguments.sales_password)
        explanation = studio.visible("#first-run-explanation", "the explanation for sales")
        if "admin" not in explanation.text or studio.driver.find_elements(By.CSS_SELECTOR, "[id^=load-starter]"):
            raise StudioFailure(f"sales on an empty dataset reads {explanation.text!r}, or is offered to load a starter")
        check_screen(studio, "the first screen for sales", "sales-first-run")
        studio.click(".sign-out", "Sign out")

        # An admin: the demo or a blank start, on every screen size.
        studio.sign_in("admin", arguments.admin_password)
        for name in ["phone", "tablet", "laptop"]:
            size(studio, name)
            studio.visible("#load-starter-crm-demo", f"the offer to load the demo at {WIDTHS[name][0]} px")
            studio.visible("#start-creating", "the offer to start creating")
            overflow = studio.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 1:
                raise StudioFailure(f"the first screen scrolls sideways by {overflow} px at {WIDTHS[name][0]} px")
            check_screen(studio, f"the first screen at {WIDTHS[name][0]} px", f"{name}-first-run")

        studio.click("#load-starter-crm-demo", "Load the demo")
        studio.text_of("#starter-status", "Loading", "the demo loading")
        studio.screenshot("laptop-first-run-loading")
        studio.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, '.pane-item[data-id="customers"]'), "the desk after loading the demo",
                    timeout=240)
        studio.open_desk_item("customers", "liza", "lizaCustomer")
        studio.visible(".document-item", "the demo's VIPs on the desk")
        check_screen(studio, "the desk after loading the demo", "laptop-demo-loaded")

        api = API(arguments.url, "admin", arguments.admin_password)
        if api.query('count(*[_type == "analyticsDashboard"])') != 1:
            raise StudioFailure("the loaded demo has no dashboard")
        try:
            api.call("/v1/starters/production/crm-demo", {})
            raise StudioFailure("loading the demo into a dataset that holds it was not refused")
        except urllib.error.HTTPError as error:
            if error.code != 409:
                raise StudioFailure(f"loading the demo again answered {error.code}, expected 409")
        sales = API(arguments.url, arguments.sales_user, arguments.sales_password)
        if sales.status("/v1/starters") != 403:
            raise StudioFailure("sales may list the starters")

        # Once the dataset has content, the desk opens directly.
        studio.driver.refresh()
        studio.visible('.pane-item[data-id="customers"]', "the desk on a reload")
        if studio.driver.find_elements(By.CSS_SELECTOR, ".first-run"):
            raise StudioFailure("the first screen shows on a dataset that holds the demo")
        studio.check_console("the first run")
    finally:
        studio.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--admin-password", default=os.environ.get("FACET_ADMIN_PASSWORD"))
    parser.add_argument("--support-user")
    parser.add_argument("--support-password")
    parser.add_argument("--sales-user", required=True)
    parser.add_argument("--sales-password", required=True)
    parser.add_argument("--screenshots", default=".build/studio-screenshots/first-run")
    parser.add_argument("--timeout", type=float, default=20)
    arguments = parser.parse_args()
    os.environ["SE_OFFLINE"] = "true"
    try:
        run(arguments)
    except StudioFailure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        return 1
    print("studio first-run test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
