"""The admin as a person meets it in Chromium: it signs in and its pages pass axe's serious and critical rules."""

from tests.browser.conftest import assert_accessible


def test_admin_signs_in_and_its_index_is_accessible(admin_page, live_server, artifacts):
    admin_page.goto(f"{live_server.url}/admin/")
    assert admin_page.get_by_role("heading", name="Site administration").is_visible()
    assert_accessible(admin_page)
