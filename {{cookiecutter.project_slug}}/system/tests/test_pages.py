from django.test import Client


def test_system_page_has_the_job_form_and_its_script(client: Client, db: None) -> None:
    response = client.get("/system/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="job-form"' in html
    for task_type in ("translate", "analyze", "generate", "default"):
        assert f'<option value="{task_type}">' in html
    assert "system/system.js" in html
    assert "core/live_socket.js" in html
