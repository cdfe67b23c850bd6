def test_anonymous_admin_redirects_to_login(client, world):
    response = client.get("/admin/client/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_caseworker_sees_client_list_in_german(caseworker_client):
    response = caseworker_client.get("/admin/client/")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert "Familienname" in response.get_data(as_text=True)
