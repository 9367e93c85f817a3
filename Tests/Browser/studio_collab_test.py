#!/usr/bin/env python3
"""Two editors on one document, end to end in two headless Chromium windows.

Runs against a `facet serve` that holds demo data (as studio_test.py does):

    python3 Tests/Browser/studio_collab_test.py --url http://127.0.0.1:3333 \
        --admin-password '...' --support-password '...' --screenshots .build/studio-screenshots

Two signed-in browsers open the same client. Each sees the other in the editor's header and at
the field the other is editing; both type into the same field, at once and in turns, and both
texts are kept and both windows end with the same text as the stored draft; undo and redo walk
back and forth across two fields and are saved; when one window closes, the other stops showing
it within seconds. axe-core finds no serious or critical violation with the presence shown, and
any console error fails the run. Exits 0 on success, 1 with the reason on failure.
"""

import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import studio_test
from studio_test import API, Studio, StudioFailure

MODIFIER = Keys.COMMAND if sys.platform == "darwin" else Keys.CONTROL


def value_of(studio, path):
    return studio.field_input(path).get_attribute("value")


def focus_field(studio, path):
    """Clicks into a field, scrolled clear of the sticky action bar as a person would."""
    field = studio.field_input(path)
    studio.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.click()
    return field


def type_at_end(studio, path, text):
    field = focus_field(studio, path)
    field.send_keys(Keys.END)
    field.send_keys(text)


def type_at_start(studio, path, text):
    field = focus_field(studio, path)
    field.send_keys(Keys.HOME)
    field.send_keys(text)


def presence_text(driver):
    """The header's "Also here" strip as one line of text (empty when no one else is here)."""
    return driver.execute_script("const strip = document.getElementById('presence');"
                                 "return strip && !strip.hidden ? strip.textContent : ''")


def chord(studio, *keys):
    """Presses keys together in the focused element (a modifier stays down until the end)."""
    studio.driver.switch_to.active_element.send_keys(*keys)


def saved(studio, what):
    studio.text_of("#save-state", "Saved", what)


def stored_draft(api, document_id):
    return api.query("*[_id == $id][0]", {"id": "drafts." + document_id}) or {}


def stored_value(api, document_id, path):
    value = stored_draft(api, document_id)
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def converge(windows, api, document_id, path, parts, what):
    """Both windows and the stored draft end with one text holding every part."""
    def agreed(_):
        values = [window.driver.execute_script(
            "const input = document.querySelector(`.field[data-path='${arguments[0]}'] input, .field[data-path='${arguments[0]}'] textarea`);"
            "return input && input.value", path) for window in windows]
        stored = stored_value(api, document_id, path)
        return len(set(values)) == 1 and values[0] == stored and all(part in (stored or "") for part in parts)
    try:
        windows[0].wait(agreed, what, timeout=30)
    except StudioFailure:
        values = [value_of(window, path) for window in windows]
        raise StudioFailure(f"{what}: the windows show {values!r}, the draft holds {stored_value(api, document_id, path)!r}, "
                            f"expected one text with each of {parts!r}")
    return value_of(windows[0], path)


# Runs in the signed-in page, with the studio's own modules: the patch texts textmerge.js writes
# must be what the server reads, and its merge must keep what both sides typed.
TEXT_CHECK = """
const [id, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const { makePatch, merge, mapOffset } = await import("/studio/textmerge.js");
  const { mutate, query } = await import("/studio/api.js");
  let seed = 7;
  const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pieces = ["a", "b", " ", "é", "ü", "💍", "%", "+", "@", "\\n", "x", "€"];
  const text = (n) => Array.from({ length: n }, () => pieces[random(pieces.length)]).join("");
  const problems = [];
  let patches = 0, merges = 0;
  for (let round = 0; round < 30; round += 1) {
    const a = "n" + text(random(40)), b = "n" + text(random(40));
    await mutate([{ patch: { id, set: { notes: a } } }, { patch: { id, diffMatchPatch: { notes: makePatch(a, b) } } }]);
    const stored = (await query("*[_id == $id][0].notes", { id })).result;
    if (stored !== b) problems.push(`the server made ${JSON.stringify(stored)} of the patch from ${JSON.stringify(a)} to ${JSON.stringify(b)}`);
    patches += 1;
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
  for (let round = 0; round < 300; round += 1) {
    const base = text(random(30));
    const at1 = random(base.length + 1), at2 = random(base.length + 1);
    const mine = base.slice(0, at1) + "<M>" + base.slice(at1), theirs = base.slice(0, at2) + "<T>" + base.slice(at2);
    const merged = merge(base, mine, theirs);
    if (!merged.includes("<M>") || !merged.includes("<T>") || merged.length !== base.length + 6) problems.push(`merge(${JSON.stringify([base, mine, theirs])}) = ${JSON.stringify(merged)}`);
    if (merge(base, mine, base) !== mine || merge(base, base, theirs) !== theirs) problems.push(`a one-sided merge of ${JSON.stringify(base)} changed a side`);
    const caret = mapOffset(mine, merged, at1 + 3);
    if (merged.slice(caret - 3, caret) !== "<M>") problems.push(`the caret after <M> moved to ${caret} in ${JSON.stringify(merged)}`);
    merges += 1;
  }
  return { problems, patches, merges };
})().then(done, (error) => done({ problems: [String(error)], patches: 0, merges: 0 }));
"""


# Runs in the signed-in page: block text edited in two places at once. This window's edits go
# out as the studio saves them (draftPatch), onto a draft where "the other window" has already
# added a block and typed at the start of a span; the server's result must hold both sides'
# blocks and text, and equal what the studio's own merge (mergeStored) makes of the same three.
BLOCKS_CHECK = """
const [id, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const { draftPatch, mergeStored, same } = await import("/studio/draftsync.js");
  const { mutate, query } = await import("/studio/api.js");
  let seed = 11;
  const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const words = ["ring", "gold", "Zoë", "pearl", "é", "💍", "clasp", "18k"];
  const text = () => Array.from({ length: 1 + random(4) }, () => words[random(words.length)]).join(" ");
  const block = (key) => ({ _key: key, _type: "block", style: "normal", markDefs: [],
    children: [{ _key: key + "s", _type: "span", marks: [], text: text() }] });
  const problems = [];
  let rounds = 0;
  for (let round = 0; round < 15; round += 1) {
    const base = Array.from({ length: 2 + random(3) }, (_, index) => block(`b${round}x${index}`));
    const mine = structuredClone(base), theirs = structuredClone(base);
    // Theirs: a new block somewhere, and text typed at the start of one span.
    theirs.splice(random(theirs.length + 1), 0, block(`t${round}`));
    const theirEdit = random(base.length);
    theirs.find((item) => item._key === base[theirEdit]._key).children[0].text = "<T>" + base[theirEdit].children[0].text;
    // Mine: text typed at the end of a span (the same one, half the time), a new block, and a
    // block the other side left alone removed.
    const myEdit = random(2) === 0 ? theirEdit : random(base.length);
    mine.find((item) => item._key === base[myEdit]._key).children[0].text += "<M>";
    mine.splice(random(mine.length + 1), 0, block(`m${round}`));
    const removable = base.filter((_, index) => index !== theirEdit && index !== myEdit);
    const removed = removable.length ? removable[random(removable.length)]._key : null;
    if (removed) mine.splice(mine.findIndex((item) => item._key === removed), 1);

    const patches = draftPatch(id, ["description"], { description: base }, { description: mine });
    await mutate([{ patch: { id, set: { description: theirs } } }, ...patches.map((patch) => ({ patch }))]);
    const stored = (await query("*[_id == $id][0].description", { id })).result;
    const expected = mergeStored({ description: base }, { description: mine }, { description: theirs }).document.description;
    const keys = (stored ?? []).map((item) => item._key);
    const texts = JSON.stringify(stored);
    if (!same(stored, expected)) problems.push(`round ${round}: the server made ${texts}, the studio's merge ${JSON.stringify(expected)}`);
    if (!keys.includes(`t${round}`) || !keys.includes(`m${round}`) || (removed && keys.includes(removed))
        || !texts.includes("<T>") || !texts.includes("<M>")) problems.push(`round ${round}: an edit was lost: ${texts}`);
    if (patches.some((patch) => patch.set?.description)) problems.push(`round ${round}: the blocks were saved whole`);
    rounds += 1;
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
  return { problems, rounds };
})().then(done, (error) => done({ problems: [String(error)], rounds: 0 }));
"""

def run(arguments):
    api = API(arguments.url, "admin", arguments.admin_password)
    chosen = api.query('*[_type == "customer" && !(_id in path("drafts.**")) && defined(name) && defined(address.street) && defined(address.city)]'
                       ' | order(_id)[0]{_id, name, phone}')
    if not chosen:
        raise StudioFailure("the demo data holds no customer")
    document_id, original = chosen["_id"], chosen["name"]
    # From the published client, whatever an earlier run left in its draft.
    api.mutate([{"delete": {"id": "drafts." + document_id}}])
    address = f"/#/desk/customers/allCustomers/:{document_id}"

    first = Studio(arguments.url, arguments.screenshots, arguments.timeout, window="first")
    second = None
    try:
        second = Studio(arguments.url, arguments.screenshots, arguments.timeout, window="second")
        windows = [first, second]
        for window in windows:
            window.sign_in("admin", arguments.admin_password)
            window.driver.get(window.url + address)
            window.text_of("#editor-title", original, "the client's editor")
            window.check_console("opening the client")

        # 1. Presence. Someone else (support, who may read clients) opens the client and goes to
        # the name: the first window shows who, and where; once they close their window, it
        # stops showing them within seconds.
        visitor = Studio(arguments.url, arguments.screenshots, arguments.timeout, window="support")
        try:
            visitor.sign_in(arguments.support_user, arguments.support_password)
            visitor.driver.get(visitor.url + address)
            visitor.text_of("#editor-title", original, "the client's editor, for support")
            visitor.field_input("name").click()
            first.wait(lambda driver: f"{arguments.support_user} (support) — editing Full Name" in presence_text(driver),
                       "support's name and field in the first window's header", timeout=10)
            first.visible('.presence-marker[data-field="name"]', "the note at the field support is on")
            first.screenshot("support-present")
            if "admin (admin" not in presence_text(visitor.driver):
                raise StudioFailure(f"support's window says {presence_text(visitor.driver)!r}")
            visitor.screenshot("sees-the-editors")
            visitor.check_console("support looking at the client")
            closed_at = time.monotonic()
            visitor.driver.get("about:blank")
        finally:
            visitor.close()
        first.wait(lambda driver: f"{arguments.support_user} (support)" not in presence_text(driver),
                   "support to leave the header once their window closed", timeout=10)
        print(f"support gone {time.monotonic() - closed_at:.1f} s after the window closed")

        # The second window focuses the name; the first sees it there.
        second.field_input("name").click()
        first.wait(lambda driver: "admin (admin" in presence_text(driver),
                   "the other window's editor in the header", timeout=10)
        marker = first.visible('.presence-marker[data-field="name"]', "the note at the field the other window edits")
        if "is editing this field" not in marker.text:
            raise StudioFailure(f"the note at the name says {marker.text!r}")
        if "editing Full Name" not in presence_text(first.driver):
            raise StudioFailure(f"the header says {presence_text(first.driver)!r}, expected the field named")
        first.screenshot("presence-shown")
        first.check_accessibility("the editor with someone else present")
        first.check_labels("the editor with someone else present")
        second.field_input("phone").click()
        first.wait(lambda driver: driver.find_elements(By.CSS_SELECTOR, '.presence-marker[data-field="phone"]')
                   and not driver.find_elements(By.CSS_SELECTOR, '.presence-marker[data-field="name"]'),
                   "the note to follow the other window to the phone field", timeout=10)

        # 2. Both type into the name at the same moment, before either has seen the other's edit.
        type_at_end(first, "name", " Alpha")
        type_at_start(second, "name", "Dr. ")
        merged = converge(windows, api, document_id, "name", ["Dr. ", " Alpha", original], "both edits typed at once")
        first.screenshot("typed-at-once-merged")
        second.screenshot("typed-at-once-merged")

        # Then in turns, each typing while the other's last edit may still be on its way.
        for turn in range(3):
            type_at_end(first, "name", f" a{turn}")
            time.sleep(0.3)
            type_at_end(second, "name", f" b{turn}")
            time.sleep(0.3)
        parts = [f" a{turn}" for turn in range(3)] + [f" b{turn}" for turn in range(3)] + ["Dr. ", " Alpha"]
        merged = converge(windows, api, document_id, "name", parts, "edits typed in turns")
        saved(first, "the first window's draft to be saved")
        saved(second, "the second window's draft to be saved")
        first.screenshot("typed-in-turns-merged")
        second.screenshot("typed-in-turns-merged")
        print(f"merged name: {merged!r}")
        for window in windows:
            window.check_console("typing in both windows")

        # A rename through the API while the first window has typing not yet saved: the typing is
        # kept on the new name. (Should the save go first, its patch no longer fits the stored
        # name: the server refuses it with a 400, and the editor merges and saves again.)
        first.expected_network = ["/v1/data/mutate/production?returnIds=true - Failed to load resource: the server responded with a status of 400"]
        type_at_end(first, "name", " Kept")
        api.mutate([{"patch": {"id": "drafts." + document_id, "set": {"name": "Renamed Elsewhere"}}}])
        merged = converge(windows, api, document_id, "name", ["Renamed Elsewhere", " Kept"], "typing kept over a rename made elsewhere")
        if merged != "Renamed Elsewhere Kept":
            raise StudioFailure(f"typing over a rename made elsewhere gave {merged!r}")
        saved(first, "the typing over the rename to be saved")
        first.screenshot("kept-over-rename")
        first.check_console("a rename made elsewhere while typing")
        first.expected_network = []

        # Two members of one object (the address), each typed in one window at once: both kept.
        type_at_end(first, "address.city", " Centre")
        type_at_end(second, "address.street", " bis")
        for path, part in [("address.city", " Centre"), ("address.street", " bis")]:
            converge(windows, api, document_id, path, [part], f"the {path} typed in one window while the other typed in its neighbour")
        first.screenshot("address-members-merged")

        # 3. Undo and redo across two fields, in the first window, saved like any edit.
        before_name = value_of(first, "name")
        before_phone = value_of(first, "phone")
        type_at_end(first, "name", " Undo")
        phone = focus_field(first, "phone")
        first.replace_text(phone, "+33 1 42 60 00 00")
        saved(first, "the two edits to be saved")
        chord(first, MODIFIER, "z")
        first.wait(lambda _: value_of(first, "phone") == before_phone, "undo to take the phone back")
        if value_of(first, "name") != before_name + " Undo":
            raise StudioFailure(f"undoing the phone changed the name to {value_of(first, 'name')!r}")
        chord(first, MODIFIER, "z")
        first.wait(lambda _: value_of(first, "name") == before_name, "a second undo to take the name back")
        saved(first, "the undone edits to be saved")
        draft = stored_draft(api, document_id)
        if draft.get("name") != before_name or draft.get("phone", "") != before_phone:
            raise StudioFailure(f"after two undos the draft holds {draft.get('name')!r} / {draft.get('phone')!r}")
        first.screenshot("undone")
        chord(first, Keys.SHIFT, MODIFIER, "z")
        first.wait(lambda _: value_of(first, "name") == before_name + " Undo", "redo to bring the name back")
        chord(first, Keys.SHIFT, MODIFIER, "z")
        first.wait(lambda _: value_of(first, "phone") == "+33 1 42 60 00 00", "a second redo to bring the phone back")
        saved(first, "the redone edits to be saved")
        draft = stored_draft(api, document_id)
        if draft.get("name") != before_name + " Undo" or draft.get("phone") != "+33 1 42 60 00 00":
            raise StudioFailure(f"after two redos the draft holds {draft.get('name')!r} / {draft.get('phone')!r}")
        # The other window receives the redone edits like any other change.
        second.wait(lambda _: value_of(second, "name") == before_name + " Undo", "the other window to show the redone name")
        first.screenshot("redone")
        second.screenshot("sees-redone")
        for window in windows:
            window.check_console("undo and redo")

        # 4. The second window closes: it leaves the first window's header within seconds.
        second.field_input("name").click()
        first.visible('.presence-marker[data-field="name"]', "the note at the name before the other window closes")
        second.check_console("before closing")
        closed_at = time.monotonic()
        second.driver.get("about:blank")
        second.close()
        second = None
        first.wait(lambda driver: not presence_text(driver)
                   and not driver.find_elements(By.CSS_SELECTOR, ".presence-marker"),
                   "the closed window to leave the header", timeout=10)
        print(f"presence gone {time.monotonic() - closed_at:.1f} s after the window closed")
        first.screenshot("alone-again")
        first.check_accessibility("the editor alone again")
        first.check_console("the other window closing")

        # 5. The studio's text patches, as the server applies them, on a scratch draft of another client
        # (last: its requests spend the address's rate limit, which loading a studio page needs too).
        scratch = api.query('*[_type == "customer" && !(_id in path("drafts.**")) && _id != $id] | order(_id)[0]', {"id": document_id})
        copy = {key: value for key, value in scratch.items() if not key.startswith("_") or key == "_type"}
        api.mutate([{"createOrReplace": {**copy, "_id": "drafts." + scratch["_id"]}}])
        first.driver.set_script_timeout(120)
        checked = first.driver.execute_async_script(TEXT_CHECK, "drafts." + scratch["_id"])
        api.mutate([{"delete": {"id": "drafts." + scratch["_id"]}}])
        problems = checked["problems"]
        print(f"text module: {checked['patches']} patches applied by the server, {checked['merges']} merges checked")
        if problems or checked["patches"] != 30:
            raise StudioFailure("the studio's text module disagrees with the server:\n  " + "\n  ".join(problems[:5]))
        first.check_console("the text patches")

        # 6. Block text edited in two places at once keeps both sides' blocks and words.
        product = api.query('*[_type == "product" && !(_id in path("drafts.**"))] | order(_id)[0]')
        copy = {key: value for key, value in product.items() if not key.startswith("_") or key == "_type"}
        api.mutate([{"createOrReplace": {**copy, "_id": "drafts." + product["_id"]}}])
        checked = first.driver.execute_async_script(BLOCKS_CHECK, "drafts." + product["_id"])
        api.mutate([{"delete": {"id": "drafts." + product["_id"]}}])
        print(f"block text: {checked['rounds']} rounds of edits on both sides merged by the server")
        if checked["problems"] or checked["rounds"] != 15:
            raise StudioFailure("block text edited on both sides lost work:\n  " + "\n  ".join(checked["problems"][:5]))
        first.check_console("the block text patches")
    finally:
        first.close()
        if second is not None:
            second.close()


if __name__ == "__main__":
    sys.exit(studio_test.main(run, __doc__, "studio collaboration test passed"))
