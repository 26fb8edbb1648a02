from tests.factories import DoctorFactory


def test_home_page(client):
    response = client.get("/en/")
    assert response.status_code == 200
    assert b"Practise medicine in Israel" in response.data


def test_signed_in_user_sees_own_name(client, login):
    doctor = DoctorFactory(full_name="Dr Test Person")
    login(doctor)
    assert b"Dr Test Person" in client.get("/en/").data
