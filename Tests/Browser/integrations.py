"""Integrations in the studio: scheduling a publish from a document's editor, the list of what is
scheduled and by whom, and an admin's webhooks (a bad filter named at its field, a hook created,
its deliveries and attempts read, a delivery queued again), at 1440, 820 and 390 px.

Used by studio_screens_test.py; runs alone against a demo server too:

    python3 Tests/Browser/integrations.py --url http://127.0.0.1:3333 --admin-password '...' \
        --screenshots .build/studio-screenshots/integrations
"""

import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import studio_test
from studio_test import API, WIDTHS, Studio, StudioFailure, size

def check_screen(studio, step, name):
    """A screen checked as every other (studio_test.check_screen), and not scrolling sideways."""
    studio_test.check_screen(studio, step, name)
    overflow = studio.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 1:
        raise StudioFailure(f"{step}: the page scrolls sideways by {overflow} px")


def schedule_from_the_editor(studio, api):
    """An editor schedules the publish of a draft from its editor; it shows there and in the list."""
    draft = api.call("/v1/data/mutate/production", {"mutations": [{"createOrReplace": {
        "_id": "drafts.collection-scheduled-test", "_type": "collection", "title": "Winter Scheduled Collection",
        "slug": {"_type": "slug", "current": "winter-scheduled"}, "launchDate": "2027-01-15", "season": "autumn-winter"}}]})
    if not draft.get("transactionId"):
        raise StudioFailure(f"the draft to schedule was not written: {draft}")
    studio.driver.get(studio.url + "/#/desk/commerce/collection")
    studio.click('.document-item[data-id="collection-scheduled-test"]', "the draft collection")
    studio.click('#schedule', "Schedule…")
    studio.visible('#schedule-at', "the time to schedule at")
    Select(studio.driver.find_element(By.ID, "schedule-action")).select_by_value("publish")
    studio.click('#schedule-save', "Schedule")
    studio.text_of('#schedule-list li', "scheduled by admin", "the document's waiting schedule")
    check_screen(studio, "a publish scheduled from the editor", "laptop-editor-scheduled")
    listed = api.call("/v1/schedules/production?state=scheduled&documentId=collection-scheduled-test")
    if len(listed.get("schedules", [])) != 1:
        raise StudioFailure(f"the scheduled publish is not listed once: {listed}")


def webhooks(studio):
    studio.driver.get(studio.url + "/#/integrations")
    studio.visible('#schedule-list tr[data-state="scheduled"]', "the schedule in the Integrations list")
    studio.click('#new-hook', "New webhook")
    form = studio.visible('#hook-form', "the webhook form")
    studio.replace_text(form.find_element(By.NAME, "name"), "Shop orders")
    studio.replace_text(form.find_element(By.NAME, "url"), "http://127.0.0.1:9/hooks/facet")
    studio.replace_text(form.find_element(By.NAME, "filter"), "_type == 'collection' &&")
    # The refusal is the point: the studio shows it at the field.
    studio.expected_network.append("/v1/hooks/production - Failed to load resource: the server responded with a status of 400")
    studio.click('#save-hook', "Create webhook")
    studio.text_of('[data-field="filter"] .field-error', "not valid GROQ", "the bad filter named at its field")
    studio.visible('[data-field="filter"] .field-error', "the filter's error")
    check_screen(studio, "a webhook whose filter does not parse", "laptop-webhook-bad-filter")
    studio.expected_network.clear()
    studio.replace_text(form.find_element(By.NAME, "filter"), "_type == 'collection'")
    studio.replace_text(form.find_element(By.NAME, "secret"), "s3cret")
    studio.click('#save-hook', "Create webhook")
    studio.text_of('#integration-message', "is created", "the hook's creation said")
    studio.visible('.hook .hook-deliveries', "the new hook in the list")


def deliveries(studio, api):
    """A change the hook watches is queued, tried (nothing listens on port 9) and shown."""
    api.call("/v1/data/mutate/production", {"mutations": [{"patch": {"id": "drafts.collection-scheduled-test",
                                                                     "set": {"title": "Winter Scheduled Collection II"}}}]})
    api.call("/v1/data/mutate/production", {"mutations": [{"createOrReplace": {
        "_id": "collection-hook-test", "_type": "collection", "title": "Hooked Collection",
        "slug": {"_type": "slug", "current": "hooked"}, "launchDate": "2027-02-01", "season": "autumn-winter"}}]})
    deadline = time.time() + 30
    while time.time() < deadline:
        hooks = api.call("/v1/hooks/production")["hooks"]
        hook = next(hook for hook in hooks if hook["name"] == "Shop orders")
        tried = api.call(f"/v1/hooks/production/{hook['id']}/deliveries")["deliveries"]
        if tried and tried[0]["attempts"] > 0:
            break
        time.sleep(0.25)
    else:
        raise StudioFailure("the hook's delivery was never tried")
    studio.click('.hook .hook-deliveries', "Deliveries")
    studio.visible('.deliveries tr[data-id]', "the queued delivery")
    studio.click('.deliveries .show-attempts', "Attempts")
    studio.text_of('#hook-attempts li', "no answer", "the failed attempt")


def gallery(studio):
    for name in ["laptop", "tablet", "phone"]:
        size(studio, name)
        studio.driver.get(studio.url + "/#/integrations")
        studio.visible('.hook .hook-deliveries', "the hooks list")
        check_screen(studio, f"Integrations at {WIDTHS[name][0]} px", f"{name}-integrations")
        studio.click('.hook .edit-hook', "Edit")
        studio.visible('#hook-form', "the webhook form")
        studio.driver.execute_script("document.querySelector('#hook-form').scrollIntoView()")
        check_screen(studio, f"the webhook form at {WIDTHS[name][0]} px", f"{name}-webhook-form")
        studio.click('.hook .hook-deliveries', "Deliveries")
        studio.visible('.deliveries tr[data-id]', "the deliveries")
        studio.driver.execute_script("document.querySelector('.deliveries').scrollIntoView()")
        check_screen(studio, f"a hook's deliveries at {WIDTHS[name][0]} px", f"{name}-webhook-deliveries")
        studio.driver.get(studio.url + "/#/desk/commerce/collection")
        studio.click('.document-item[data-id="collection-scheduled-test"]', "the scheduled collection")
        studio.visible('#schedule-list li', "the document's schedule")
        check_screen(studio, f"a scheduled document at {WIDTHS[name][0]} px", f"{name}-editor-schedule")


def cancel(studio, api):
    size(studio, "laptop")
    studio.driver.get(studio.url + "/#/integrations")
    studio.click('#schedule-list .cancel-schedule', "Cancel the schedule")
    studio.text_of('#integration-message', "cancelled", "the cancellation said")
    left = api.call("/v1/schedules/production?state=scheduled&documentId=collection-scheduled-test")["schedules"]
    if left:
        raise StudioFailure(f"the cancelled schedule still waits: {left}")


def clean(api):
    """What an earlier run against the same server left: its schedules and hook."""
    for schedule in api.call("/v1/schedules/production?state=scheduled&documentId=collection-scheduled-test")["schedules"]:
        api.call(f"/v1/schedules/production/{schedule['id']}", method="DELETE")
    for hook in api.call("/v1/hooks/production")["hooks"]:
        if hook["name"] == "Shop orders":
            api.call(f"/v1/hooks/production/{hook['id']}", method="DELETE")


def check_integrations(studio, api):
    clean(api)
    size(studio, "laptop")
    schedule_from_the_editor(studio, api)
    webhooks(studio)
    deliveries(studio, api)
    gallery(studio)
    cancel(studio, api)


def run(arguments):
    studio = Studio(arguments.url, arguments.screenshots, arguments.timeout)
    api = API(arguments.url, "admin", arguments.admin_password)
    try:
        studio.sign_in("admin", arguments.admin_password)
        check_integrations(studio, api)
    finally:
        studio.close()


if __name__ == "__main__":
    sys.exit(studio_test.main(run, __doc__, "integrations test passed"))
