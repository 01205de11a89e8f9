"""Applying, editing, photos and withdrawing, as the applicant sees it through the HTTP client."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from exchange.common.errors import Conflict, Invalid
from exchange.experts.models import ExpertProfile, PeerRequest
from exchange.experts.services import MAX_PHOTO_BYTES, ExpertApplication, apply_as_expert, process_photo
from tests.experts.helpers import VALID, image_bytes


@pytest.fixture
def applicant(app, make_user, login_as, reference):
    user = make_user(name="Andrea Applicant", timezone="America/Chicago")
    return user, login_as(user, app.test_client())


def profile_of(db, user) -> ExpertProfile | None:
    db.session.expire_all()
    return db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == user.id))


def test_application_is_stored_as_given(db, applicant):
    user, client = applicant
    response = client.submit("/experts/apply", VALID)
    assert response.status_code == 302
    profile = profile_of(db, user)
    assert profile.status == "pending" and user.role == "official"
    assert {t.slug for t in profile.topics} == {"innovation-teams", "open-data"}
    # A chosen topic brings its focus area with it.
    assert {a.slug for a in profile.focus_areas} == {"culture-of-innovation", "managing-information"}
    assert [(lang.code, lang.level) for lang in profile.languages] == [("en", "native"), ("es", "fluent")]
    assert [(w.weekday, w.start_minute, w.end_minute) for w in profile.availability] == (
        [(d, 480, 720) for d in range(5)] + [(5, 600, 690)])
    # The edit form shows the five weekday windows as one "Monday to Friday" row again.
    html = client.get("/experts/me/edit").get_data(as_text=True)
    assert '<option selected value="weekdays">' in html


@pytest.mark.parametrize(("change", "message"), [
    ({"topics": ["telepathy"]}, "Unknown topic “telepathy”. Choose topics from the list."),
    ({"topics": []}, "Choose at least one topic."),
    ({"focus_areas": ["magic"]}, "Unknown focus area “magic”"),
    ({"languages-0-code": "xx"}, "Unknown language “xx”. Choose languages from the list."),
    ({"languages-0-code": "", "languages-1-code": ""}, "Choose at least one language."),
    ({"languages-0-level": "superb"}, "Choose a level for each language."),
    ({"timezone": "Mars/Olympus_Mons"}, "Unknown time zone “Mars/Olympus_Mons”"),
    ({"state": "ZZ"}, "Choose the U.S. state or territory of your city government."),
    ({"job_title": "  "}, "Enter your job title."),
    ({"bio": ""}, "Enter a short bio."),
    ({"bio": "x" * 2001}, "Use at most 2000 characters for a short bio."),
    ({"availability-0-start": "12:00", "availability-0-end": "08:00"}, "a start time before its end time"),
    ({"availability-0-weekday": "", "availability-1-weekday": ""}, "a start time before its end time"),
    ({"availability-0-weekday": "", "availability-0-start": "", "availability-0-end": "",
      "availability-1-weekday": "", "availability-1-start": "", "availability-1-end": ""},
     "Give at least one weekly window when you are available."),
    ({"links": "javascript:alert(1)"}, "is not a web address starting with https:// or http://"),
    ({"links": "\n".join(f"https://example.org/{i}" for i in range(6))}, "Give at most 5 links."),
])
def test_bad_applications_are_refused_clearly_and_change_nothing(db, applicant, change, message):
    user, client = applicant
    response = client.submit("/experts/apply", {**VALID, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert profile_of(db, user) is None


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get("/experts/apply")
    assert response.status_code == 302 and "/accounts/login" in response.headers["Location"]


def test_applying_twice_is_refused(db, applicant):
    user, client = applicant
    client.submit("/experts/apply", VALID)
    assert client.get("/experts/apply").status_code == 302  # to the application page
    response = client.post("/experts/apply", data={**VALID, "csrf_token": client.csrf_token("/experts/me/edit")})
    assert response.status_code == 302
    with pytest.raises(Conflict, match="You have already applied"):
        apply_as_expert(user, actor=user, data=ExpertApplication(
            job_title="X", city_government="Y", state="TX", department="", focus_areas=[], topics=["open-data"],
            languages=[("en", "native")], timezone="UTC", availability=[(0, 0, 60)], bio="Z"))
    assert db.session.scalar(select(func.count()).select_from(ExpertProfile)) == 1


def test_photo_is_re_encoded_and_served_by_profile_id(app, db, applicant, make_user, login_as):
    user, client = applicant
    upload = (io.BytesIO(image_bytes("PNG", size=(1200, 900))), "../../etc/passwd.png")
    response = client.submit("/experts/apply", {**VALID, "photo": upload}, content_type="multipart/form-data")
    assert response.status_code == 302
    profile = profile_of(db, user)
    stored = Image.open(io.BytesIO(profile.photo))
    assert stored.format == "JPEG" and max(stored.size) == 512
    own = client.get(f"/experts/{profile.id}/photo")
    assert own.status_code == 200 and own.headers["Content-Type"] == "image/jpeg" and own.data == profile.photo
    # Pending: nobody else sees the photo; approved: everyone does.
    assert app.test_client().get(f"/experts/{profile.id}/photo").status_code == 404
    profile.status = "approved"
    db.session.commit()
    assert app.test_client().get(f"/experts/{profile.id}/photo").status_code == 200
    # Removing it.
    edit = dict(VALID, remove_photo="y")
    assert client.submit("/experts/me/edit", edit).status_code == 302
    assert profile_of(db, user).photo is None
    assert client.get(f"/experts/{profile.id}/photo").status_code == 404


@pytest.mark.parametrize(("raw", "message"), [
    (b"%PDF-1.4 not an image", "must be a JPEG, PNG, GIF or WebP image"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "must be a JPEG, PNG, GIF or WebP"),
    (image_bytes("BMP", size=(20, 20)), "must be a JPEG, PNG, GIF or WebP image"),
    (image_bytes("PNG", size=(20, 20))[:60], "must be a JPEG, PNG, GIF or WebP image"),  # truncated
    (image_bytes("PNG", size=(8000, 6000), mode="1"), "too many pixels"),  # small file, huge image
    (b"\x89PNG" + b"\0" * MAX_PHOTO_BYTES, "too large"),
])
def test_bad_photos_are_refused(raw, message):
    with pytest.raises(Invalid, match=message):
        process_photo(raw)


def test_transparent_and_animated_images_become_plain_jpeg():
    for raw in (image_bytes("PNG", mode="RGBA"), image_bytes("GIF", mode="P"), image_bytes("WEBP")):
        assert Image.open(io.BytesIO(process_photo(raw))).format == "JPEG"


def test_bad_photo_upload_changes_nothing(db, applicant):
    user, client = applicant
    upload = (io.BytesIO(b"not an image at all"), "me.jpg")
    response = client.submit("/experts/apply", {**VALID, "photo": upload}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "must be a JPEG, PNG, GIF or WebP image" in response.get_data(as_text=True)
    assert profile_of(db, user) is None


def test_edits_of_an_approved_profile_go_live_and_are_listed_for_organizers(app, db, make_expert, make_user,
                                                                          login_as):
    profile = make_expert(name="Edith Edits")
    client = login_as(profile.user, app.test_client())
    assert client.submit("/experts/me/edit", {**VALID, "job_title": "Chief Technology Officer"}).status_code == 302
    profile = profile_of(db, profile.user)
    assert profile.status == "approved" and profile.edited_at is not None
    assert "Chief Technology Officer" in app.test_client().get(f"/experts/{profile.id}").get_data(as_text=True)
    organizer = login_as(make_user(role="organizer"), app.test_client())
    queue = organizer.get("/experts/review").get_data(as_text=True)
    assert "Approved profiles edited since approval (1)" in queue and "Edith Edits" in queue


def test_withdrawing_hides_the_profile_and_declines_waiting_requests(app, db, make_expert, make_official, login_as,
                                                                   outbox):
    profile = make_expert(name="Walter Withdraws")
    official = make_official(email="asker@lagos.example")
    req = PeerRequest(official=official, requester=official, expert=profile, status="sent", title="Help",
                      description="Please", timezone="Africa/Lagos", languages="en")
    db.session.add(req)
    db.session.commit()
    client = login_as(profile.user, app.test_client())
    assert client.submit("/experts/me/withdraw", {"confirm": "1"}).status_code == 302
    db.session.expire_all()
    assert profile.status == "withdrawn" and profile.user.role == "official"
    assert app.test_client().get(f"/experts/{profile.id}").status_code == 404
    assert db.session.get(PeerRequest, req.id).status == "declined"
    assert outbox.last(to="asker@lagos.example")["Subject"] == "Your peer request was declined"
    # Applying again puts the same profile back in the queue.
    assert client.get("/experts/me").status_code == 200
    assert client.submit("/experts/apply", VALID).status_code == 302
    assert profile_of(db, profile.user).status == "pending"
