import pytest

from tests import factories
from tests.helpers import open_cycle, small_plan
from tests.helpers.large_record import measure_everything


@pytest.fixture(autouse=True)
def _english(settings):
    # Every test starts in English whatever the machine's locale.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(scope="session")
def measured_on_the_large_record(django_db_setup, django_db_blocker, tmp_path_factory):
    """What each query-count module measured on the one large record (tests/helpers/large_record.py),
    by module and size: built once per session (per xdist worker) and rolled back before any test
    runs on it, so none of its rows reaches another test."""
    return measure_everything(django_db_blocker, media_root=tmp_path_factory.mktemp("large-record"))


@pytest.fixture
def roadmap(db):
    return factories.RoadmapFactory()


@pytest.fixture
def viet_nam(db):
    return factories.MemberStateFactory(iso2="VN", iso3="VNM", name="Viet Nam", name_vi="Việt Nam")


@pytest.fixture
def thailand(db):
    return factories.MemberStateFactory(iso2="TH", iso3="THA", name="Thailand", name_vi="Thái Lan")


@pytest.fixture
def costi(db):
    return factories.BodyFactory(
        acronym="COSTI", name="ASEAN Committee on Science, Technology and Innovation"
    )


@pytest.fixture
def accmsme(db):
    return factories.BodyFactory(acronym="ACCMSME", name="ASEAN Coordinating Committee on MSMEs")


@pytest.fixture
def secretariat_user(db):
    return factories.SecretariatFactory(username="sec")


@pytest.fixture
def sec_client(client, secretariat_user):
    client.force_login(secretariat_user)
    return client


@pytest.fixture
def focal_vn(viet_nam):
    return factories.FocalPointFactory(username="focal.vn", member_state=viet_nam)


@pytest.fixture
def focal_th(thailand):
    return factories.FocalPointFactory(username="focal.th", member_state=thailand)


@pytest.fixture
def costi_rep(costi):
    return factories.BodyRepresentativeFactory(username="costi.rep", body=costi)


@pytest.fixture
def observer_user(db):
    return factories.ObserverFactory(username="observer")


ROLES = ["secretariat_user", "focal_vn", "focal_th", "costi_rep", "observer_user"]


@pytest.fixture(params=ROLES)
def any_user(request):
    """Each role in turn: for checks every signed-in user must pass."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def plan(roadmap, viet_nam, thailand, costi):
    """A small plan: one activity led by Viet Nam with Thailand taking part, with a milestone."""
    return small_plan(roadmap=roadmap, viet_nam=viet_nam, thailand=thailand, costi=costi)


@pytest.fixture
def cycle(plan, secretariat_user):
    """An open cycle (deadline in 14 days) in which Viet Nam and Thailand owe a report on R2.1."""
    return open_cycle(by=secretariat_user)
