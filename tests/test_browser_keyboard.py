"""In Chromium, without a mouse: a caseworker's day by keyboard alone (docs/design.md §10).

Only ``page.keyboard`` is used (Tab, Shift+Tab, Enter, Space, arrows, Escape). Along the
way every focused control must show a focus indicator (an outline or a box-shadow in its
computed style); the skip link must be the first stop and lead to ``<main>``; the menu's
dropdowns must open by Enter and Space and close by Escape, giving the focus back to their
toggle. Flask-Admin's pages have no Bootstrap modals (the views switch them off) and
confirm dialogs are the browser's own, so dropdowns are the widgets whose focus is checked.
"""

from datetime import date

import pytest
from sqlalchemy import select

from models import Authority, Case, CaseChecklistItem, Need, db
from models.scoping import unscoped
from tests import factories
from tests.browser_support import PageProblems, artifacts_on_failure, pass_second_factor
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser

MAX_TABS = 120

# What has the focus, and whether its computed style shows it.
FOCUSED = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  // Select2's focus input sits off screen; the ring is drawn on its visible box.
  const box = el.classList.contains("select2-focusser")
    ? el.closest(".select2-container").querySelector(".select2-choice")
    : el;
  const style = getComputedStyle(box);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = Boolean(style.boxShadow) && style.boxShadow !== "none";
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name"),
    value: el.getAttribute("value"),
    href: el.getAttribute("href"),
    toggle: el.getAttribute("data-toggle"),
    text: (el.innerText || el.value || el.getAttribute("aria-label") || "").trim(),
    indicated: outline || shadow,
    style: `outline: ${style.outlineStyle} ${style.outlineWidth}; box-shadow: ${style.boxShadow}`,
  };
}
"""


@pytest.fixture
def intake_case(app, world):
    """A case of the caseworker in intake, without needs: the intake checkboxes show."""
    with app.app_context(), unscoped("test arrangement"):
        authority = db.session.get(Authority, world.authority)
        client = factories.make_client(
            authority,
            family_name="Tastatur",
            given_names="Lina",
            privacy_notice_given_on=date(2026, 3, 1),
        )
        case = factories.make_case(client, caseworker_id=world.caseworker)
        db.session.commit()
        return case.id, case.number


class Keyboard:
    """Moves the focus with the keyboard only, checking each stop's focus indicator."""

    def __init__(self, page):
        self.page = page
        self.unindicated: list[str] = []

    def focused(self) -> dict | None:
        return self.page.evaluate(FOCUSED)

    def press(self, key: str) -> dict | None:
        self.page.keyboard.press(key)
        state = self.focused()
        if state and not state["indicated"]:
            self.unindicated.append(f"{self.page.url}: {state}")
        return state

    def tab_to(self, matches, what: str, backwards: bool = False) -> dict:
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(MAX_TABS):
            state = self.press(key)
            if state and matches(state):
                return state
        raise AssertionError(f"{what}: not reached with {MAX_TABS} × {key} on {self.page.url}")

    def check_dropdown(self, toggle: dict) -> None:
        """The focused dropdown toggle opens on Enter and on Space; Escape closes it and
        gives the focus back to the toggle."""
        menu = self.page.locator(".dropdown-menu.show")
        for opener in ("Enter", "Space"):
            self.page.keyboard.press(opener)
            assert menu.count() == 1, f"{toggle['text']}: {opener} did not open the menu"
            assert self.page.evaluate("document.activeElement.getAttribute('aria-expanded')") == (
                "true"
            )
            self.page.keyboard.press("Escape")
            assert menu.count() == 0, f"{toggle['text']}: Escape did not close the menu"
            focused = self.focused()
            assert focused["text"] == toggle["text"], f"focus went to {focused}, not the toggle"
            assert focused["indicated"], focused

    def activate(self, key: str = "Enter") -> None:
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


def test_caseworker_works_a_case_by_keyboard_alone(page, live_server, world, intake_case, app):
    case_id, number = intake_case
    base = live_server.url
    problems = PageProblems()
    problems.watch(page)
    page.emulate_media(reduced_motion="reduce")  # focus rings without a transition
    keys = Keyboard(page)

    with artifacts_on_failure(page, "keyboard-journey"):
        # The skip link is the first stop, on the login page too; then log in.
        page.goto(f"{base}/login")
        first = keys.press("Tab")
        assert first["text"] == "Zum Inhalt springen", first
        assert first["href"] == "#main", first
        keys.tab_to(lambda s: s["name"] == "email", "e-mail field")
        page.keyboard.type(world.emails["caseworker"])
        keys.tab_to(lambda s: s["name"] == "password", "password field")
        page.keyboard.type(PASSWORD)
        keys.tab_to(lambda s: s["tag"] == "button" and s["text"] == "Anmelden", "login button")
        keys.activate()
        # The second factor's code, by keyboard as well.
        keys.tab_to(lambda s: s["name"] == "code", "code field")
        page.keyboard.type(totp_code(app, world.emails["caseworker"]))
        keys.tab_to(lambda s: s["tag"] == "button" and s["text"] == "Bestätigen", "code button")
        keys.activate()
        assert "/login" not in page.url, page.url

        # On the app's pages the skip link comes first as well, and leads to <main>.
        first = keys.press("Tab")
        assert first["text"] == "Zum Inhalt springen", first
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        assert page.url.endswith("#main"), page.url

        # The menu: Enter and Space open "Fälle", Escape closes it and the focus returns.
        page.keyboard.press("Shift+Tab")  # back to the skip link, before the navbar
        toggle = keys.tab_to(
            lambda s: s["toggle"] == "dropdown" and s["text"] == "Fälle", "menu Fälle"
        )
        keys.check_dropdown(toggle)
        # Open, then the arrow keys walk the entries; Enter follows one.
        page.keyboard.press("Enter")
        item = keys.press("ArrowDown")
        while item["text"] != "Fälle":
            item = keys.press("ArrowDown")
        keys.activate()
        assert page.url.startswith(f"{base}/admin/case/"), page.url

        # The list's filter dropdown works the same way.
        toggle = keys.tab_to(
            lambda s: s["toggle"] == "dropdown" and s["text"] == "Filter hinzufügen",
            "filter dropdown",
        )
        keys.check_dropdown(toggle)

        # Open the case from the list.
        keys.tab_to(
            lambda s: (
                (s["href"] or "").startswith("/admin/case/details/")
                and f"id={case_id}" in s["href"]
            ),
            "the case's link in the list",
        )
        keys.activate()
        assert page.locator("h1").inner_text().startswith(f"Fallakte {number}")

        # Record a need from the intake checkboxes.
        keys.tab_to(lambda s: s["name"] == "need_area" and "Sprache" in page_label(page), "need")
        page.keyboard.press("Space")
        assert page.evaluate("document.activeElement.checked") is True
        keys.tab_to(lambda s: s["text"] == "Ausgewählte Bedarfe erfassen", "record needs")
        keys.activate()

        # Tick a checklist item.
        keys.press("Tab")  # from the top of the page again
        keys.tab_to(lambda s: s["text"] == "Checkliste" and s["tag"] == "a", "checklist link")
        keys.activate()
        assert "/admin/case/checklist/" in page.url, page.url
        keys.tab_to(lambda s: s["text"] == "Erledigt", "first 'done' button")
        keys.activate()
        keys.tab_to(lambda s: s["text"] == "Zurück zur Fallakte", "back to the case file")
        keys.activate()

        # Move the case on with a lifecycle button.
        keys.tab_to(lambda s: s["text"] == "Planung beginnen", "lifecycle button")
        keys.activate()
        assert page.locator("h1 .badge").inner_text().strip() == "Planung"

        # Log out.
        keys.tab_to(lambda s: s["text"] == "Abmelden", "logout button")
        keys.activate()
        assert "/login" in page.url, page.url
        problems.collect_from(page)

    with app.app_context(), unscoped("test check"):
        case = db.session.get(Case, case_id)
        assert case.status == "planning"
        areas = [need.need_area.code for need in db.session.scalars(select(Need))]
        assert areas == ["language"]
        done = db.session.scalars(
            select(CaseChecklistItem).where(
                CaseChecklistItem.case_id == case_id, CaseChecklistItem.done_at.is_not(None)
            )
        ).all()
        assert len(done) == 1
    assert not keys.unindicated, "focus not visible on:\n" + "\n".join(keys.unindicated)
    assert not problems, "the browser reported problems:\n" + problems.report()


def page_label(page) -> str:
    """The text of the label of the focused field."""
    return page.evaluate(
        "() => { const el = document.activeElement;"
        " return el.labels && el.labels.length ? el.labels[0].innerText : ''; }"
    )


def test_select2_opens_and_closes_by_keyboard_and_returns_the_focus(
    page, live_server, world, intake_case
):
    case_id, _number = intake_case
    base = live_server.url
    problems = PageProblems()
    problems.watch(page)
    page.emulate_media(reduced_motion="reduce")
    keys = Keyboard(page)
    with artifacts_on_failure(page, "keyboard-select2"):
        page.goto(f"{base}/login")
        keys.tab_to(lambda s: s["name"] == "email", "e-mail field")
        page.keyboard.type(world.emails["caseworker"])
        keys.tab_to(lambda s: s["name"] == "password", "password field")
        page.keyboard.type(PASSWORD)
        keys.activate()
        pass_second_factor(page, world.emails["caseworker"])
        page.goto(f"{base}/admin/need/new/?case={case_id}")

        # The need area's Select2: reached by Tab, named by its label.
        control = keys.tab_to(lambda s: "Handlungsfeld" in page_label(page), "need area")
        drop = page.locator("#select2-drop")
        page.keyboard.press("ArrowDown")
        drop.wait_for(state="visible")
        # While open, the focus is in the dropdown's search box, inside the dropdown.
        assert page.evaluate("document.activeElement.closest('#select2-drop') !== null")
        page.keyboard.press("Escape")
        drop.wait_for(state="hidden")
        assert keys.focused()["id"] == control["id"], "focus did not return to the Select2"

        # Open again, choose by arrow keys and Enter: the value is taken, the focus is back.
        page.keyboard.press("ArrowDown")
        drop.wait_for(state="visible")
        page.keyboard.type("Sprache")
        page.keyboard.press("Enter")
        drop.wait_for(state="hidden")
        assert keys.focused()["id"] == control["id"]
        assert page.locator("#s2id_need_area .select2-chosen").inner_text() == "Sprache"
        problems.collect_from(page)
    assert not keys.unindicated, "focus not visible on:\n" + "\n".join(keys.unindicated)
    assert not problems, "the browser reported problems:\n" + problems.report()
