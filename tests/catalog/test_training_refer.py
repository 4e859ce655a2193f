"""The training page offers counsellors to refer a young person to a Cnam session; the public sees no button."""

from django.urls import reverse

from tests.factories import CnamSiteFactory, member
from tremplin.accounts.enums import Role
from tremplin.catalog.models import Training, TrainingAction, TrainingProvider, TrainingSession


def cnam_session():
    provider = TrainingProvider.objects.create(siret="19753471200017", name="Cnam", is_cnam=True)
    training = Training.objects.create(external_id="t1", provider=provider, title="Analyste programmeur")
    site = CnamSiteFactory(name="Cnam Rodez")
    action = TrainingAction.objects.create(
        external_id="a1", training=training, commune=site.commune, cnam_site=site
    )
    return TrainingSession.objects.create(external_id="s1", action=action)


def test_counsellor_gets_a_refer_link_per_open_cnam_session(login):
    session = cnam_session()
    html = login(member(Role.COUNSELLOR)).get(
        reverse("catalog:training_detail", args=[session.action.training_id])
    )
    assert f"{reverse('referrals:create')}?session={session.pk}" in html.content.decode()


def test_public_and_cnam_staff_get_no_refer_link(client, login):
    session = cnam_session()
    url = reverse("catalog:training_detail", args=[session.action.training_id])
    assert reverse("referrals:create") not in client.get(url).content.decode()
    assert reverse("referrals:create") not in login(member(Role.CNAM_REFERENT)).get(url).content.decode()
