import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.catalog.conftest import DATA
from tremplin.catalog.enums import QualificationLevel, RegistrationState, ScheduleType, TeachingMode
from tremplin.catalog.models import Training, TrainingProvider, TrainingSession
from tremplin.catalog.services import catalog_version

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_lheo", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_lheo", *[str(arg) for arg in args], stdout=out, stderr=err)
    return str(excinfo.value), err.getvalue()


def formation(
    *, numero="F1", title="Formation test", action="", siret="77568236900029", name="Cnam Occitanie"
):
    action = action or session_action()
    return f"""
    <formation numero="{numero}">
      <domaine-formation><code-ROME>M1805</code-ROME></domaine-formation>
      <intitule-formation>{title}</intitule-formation>
      <objectif-formation>Objectifs.</objectif-formation>
      <resultats-attendus>Résultats.</resultats-attendus>
      <contenu-formation>Contenu.</contenu-formation>
      <certifiante>0</certifiante>
      <contact-formation><coordonnees/></contact-formation>
      <parcours-de-formation>1</parcours-de-formation>
      <code-niveau-entree>0</code-niveau-entree>
      {action}
      <organisme-formation-responsable>
        <numero-activite>73310000012</numero-activite>
        <SIRET-organisme-formation><SIRET>{siret}</SIRET></SIRET-organisme-formation>
        <nom-organisme>{name}</nom-organisme>
        <raison-sociale>{name}</raison-sociale>
        <coordonnees-organisme><coordonnees/></coordonnees-organisme>
        <contact-organisme><coordonnees/></contact-organisme>
      </organisme-formation-responsable>
    </formation>"""


def session_action(*, numero="A1", sessions="", place="", mode="0"):
    place = (
        place
        or """<lieu-de-formation><coordonnees><adresse><ligne>2 avenue de Bourran</ligne>
        <codepostal>12000</codepostal><ville>Rodez</ville></adresse></coordonnees></lieu-de-formation>"""
    )
    sessions = sessions or session()
    return f"""
      <action numero="{numero}">
        <rythme-formation>Temps plein</rythme-formation>
        <code-public-vise>80024</code-public-vise>
        <niveau-entree-obligatoire>0</niveau-entree-obligatoire>
        <modalites-alternance>Sans objet</modalites-alternance>
        <modalites-enseignement>{mode}</modalites-enseignement>
        <conditions-specifiques>Aucune</conditions-specifiques>
        <prise-en-charge-frais-possible>0</prise-en-charge-frais-possible>
        {place}
        <modalites-entrees-sorties>0</modalites-entrees-sorties>
        {sessions}
      </action>"""


def session(*, numero="S1", start="20270901", end="20280630"):
    numero_attribute = f' numero="{numero}"' if numero else ""
    return f"""
        <session{numero_attribute}>
          <periode><debut>{start}</debut><fin>{end}</fin></periode>
          <adresse-inscription><adresse><ligne>2 avenue de Bourran</ligne><codepostal>12000</codepostal>
            <ville>Rodez</ville></adresse></adresse-inscription>
        </session>"""


def lheo(*formations: str, namespace="http://lheo.gouv.fr/2.3") -> str:
    return f'{HEAD}<lheo xmlns="{namespace}"><offres>{"".join(formations)}</offres></lheo>\n'


@pytest.fixture
def write(tmp_path):
    def _write(text: str, name: str = "offre.xml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


# -- the handwritten files ----------------------------------------------------------------------------


def test_handwritten_2_3_file_imports_every_element(occitanie):
    before = catalog_version()
    out, err = run(DATA / "offre-2.3.xml", "--validate")
    assert "conforme au schéma LHEO 2.3" in out
    assert "formations : 2 créées" in out and "sessions : 3 créées" in out
    assert err == ""
    assert catalog_version() > before

    training = Training.objects.get(external_id="OCC-F-0001")
    assert training.title == "Licence professionnelle Métiers de l'informatique : développement web"
    # HTML turned into plain text; the script tag's content is text, and templates escape it.
    assert training.objectives.startswith(
        "Former des développeurs web capables de concevoir une application."
    )
    assert "– front\n– back" in training.objectives
    assert "<" not in training.objectives
    assert training.rome_codes == "M1805 M1810"
    assert training.formacode_codes == "31054 31006"
    assert training.nsf_codes == "326"
    assert training.certification_codes == "RNCP30119"
    assert training.is_certifying is True
    assert training.entry_level == QualificationLevel.LEVEL_5
    assert training.entry_level_required is True
    assert training.exit_level == QualificationLevel.LEVEL_6
    assert training.prerequisites == "Bac+2 en informatique ou VAPP."
    assert training.general_objective == "6"
    assert training.url == "https://www.cnam-occitanie.example/lp-web"
    assert (training.contact_name, training.contact_phone, training.contact_email) == (
        "Camille Durand",
        "05 65 00 00 00",
        "formation@cnam-occitanie.example",
    )

    provider = training.provider
    assert (provider.siret, provider.name, provider.is_cnam) == ("77568236900029", "Cnam Occitanie", True)
    assert (provider.activity_number, provider.postal_code, provider.city) == (
        "73310000012",
        "31000",
        "Toulouse",
    )
    assert provider.website == "https://www.cnam-occitanie.example"

    action = training.actions.get()
    assert action.teaching_mode == TeachingMode.BLENDED
    assert action.schedule == ScheduleType.MIXED  # "cours du soir et le samedi"
    assert action.public_codes == "80024 80011"
    assert action.public_info == "Jeunes de 16 à 25 ans, demandeurs d'emploi"
    assert action.alternance_terms == ""  # "-" is a placeholder
    assert action.fees_covered is True
    assert (action.place_name, action.address, action.postal_code, action.city) == (
        "Cnam Aveyron",
        "2 avenue de Bourran",
        "12000",
        "Rodez",
    )
    assert action.commune_id == "12202"
    assert (action.latitude, action.longitude) == (44.3526, 2.5734)
    assert action.cnam_site == occitanie["site_rodez"]
    assert (action.hours_centre, action.hours_company, action.hours_total) == (450, 420, 870)
    assert (action.price, action.hourly_price) == (Decimal("5625.00"), Decimal("12.50"))
    assert action.duration_text == "1 an"
    assert action.funders == "2 16"
    assert action.registration_info == "Dossier et entretien."

    first, second = action.sessions.order_by("start_date")
    assert (first.start_date, first.end_date) == (datetime.date(2027, 9, 14), datetime.date(2028, 6, 30))
    assert first.registration_state == RegistrationState.OPEN
    assert first.registration_address == "Cnam Aveyron, service des inscriptions\n2 avenue de Bourran"
    assert (first.registration_postal_code, first.registration_city) == ("12000", "Rodez")
    # A month ("AAAAMM00") is its first day for a start, its last day for an end.
    assert (second.start_date, second.end_date) == (datetime.date(2028, 9, 1), datetime.date(2029, 6, 30))
    assert second.registration_state == RegistrationState.SUSPENDED
    assert first.places_available is None

    other = Training.objects.get(external_id="AUT-F-0001")
    assert other.provider.is_cnam is False
    assert other.entry_level == QualificationLevel.LEVEL_5  # old code 6 = niveau III
    assert other.prerequisites == ""  # "Aucune"
    other_action = other.actions.get()
    assert other_action.commune_id == "31555"  # "TOULOUSE CEDEX 6", postal code 31000
    assert other_action.cnam_site is None  # not a Cnam provider
    other_session = other_action.sessions.get()
    assert other_session.external_id.startswith("s-")  # no numero: a stable hash
    assert (other_session.start_date, other_session.end_date) == (None, None)  # 00000000 / 99999999
    assert other_session.permanent_entry is True
    assert TrainingProvider.objects.get(siret="44229377500031").activity_number == ""


def test_import_is_idempotent_and_updates_changed_records(occitanie, tmp_path):
    run(DATA / "offre-2.3.xml")
    out, _ = run(DATA / "offre-2.3.xml")
    assert "0 créés, 0 mis à jour, 7 inchangés" in out
    assert "Aucun changement" in out
    version = catalog_version()

    changed = tmp_path / "offre.xml"
    text = (DATA / "offre-2.3.xml").read_text(encoding="utf-8")
    changed.write_text(
        text.replace("<etat-recrutement>1</etat-recrutement>", "<etat-recrutement>2</etat-recrutement>")
    )
    out, _ = run(changed)
    assert "sessions : 0 créées, 1 mises à jour, 2 inchangées" in out
    assert (
        TrainingSession.objects.get(external_id="OCC-S-0001").registration_state == RegistrationState.CLOSED
    )
    assert catalog_version() > version
    assert TrainingSession.objects.count() == 3


def test_lheo_2_2_file_with_iso_dates_and_old_levels(occitanie):
    out, err = run(DATA / "offre-2.2.xml")
    assert "LHEO 2.2" in out
    assert err == ""
    training = Training.objects.get(external_id="22-F-1")
    assert training.entry_level == QualificationLevel.LEVEL_4  # old code 5 = niveau IV
    action = training.actions.get()
    assert action.teaching_mode == TeachingMode.DISTANCE
    assert action.commune is None
    assert action.alternance_terms == ""  # "Non renseigné"
    # Distance learning without a place: the Cnam site comes from the registration address.
    assert action.cnam_site == occitanie["site_millau"]
    dates = list(
        action.sessions.order_by("start_date").values_list("start_date", "end_date", "registration_state")
    )
    assert dates == [
        (datetime.date(2027, 9, 1), datetime.date(2028, 6, 30), "open"),
        (datetime.date(2028, 9, 1), datetime.date(2029, 6, 30), "closed"),
    ]
    # Sessions without numero get the same identifiers at every import.
    ids = set(TrainingSession.objects.values_list("external_id", flat=True))
    run(DATA / "offre-2.2.xml")
    assert set(TrainingSession.objects.values_list("external_id", flat=True)) == ids


def test_cnam_only_counts_the_rest_as_skipped(occitanie):
    out, _ = run(DATA / "offre-2.3.xml", "--cnam-only")
    assert "ignoré (1) : formation d'un organisme hors Cnam (--cnam-only)" in out
    assert list(Training.objects.values_list("external_id", flat=True)) == ["OCC-F-0001"]


def test_cnam_siret_option_marks_a_provider_as_cnam(occitanie):
    run(DATA / "offre-2.3.xml", "--cnam-siret", "44229377500031")
    assert TrainingProvider.objects.get(siret="44229377500031").is_cnam is True


def test_dry_run_writes_nothing(occitanie):
    out, _ = run(DATA / "offre-2.3.xml", "--dry-run")
    assert "Simulation" in out
    assert not Training.objects.exists()
    assert not TrainingProvider.objects.exists()


def test_sessions_receivable_after_import_are_the_cnam_open_ones(occitanie):
    run(DATA / "offre-2.3.xml")
    today = datetime.date(2027, 1, 1)
    assert set(TrainingSession.objects.receivable(today).values_list("external_id", flat=True)) == {
        "OCC-S-0001"
    }
    # The other provider's permanent-entry session is open but cannot receive a referral.
    assert TrainingSession.objects.open(today).count() == 2


# -- bad input -----------------------------------------------------------------------------------------


def test_malformed_xml_names_line_and_column(write, occitanie):
    path = write(lheo(formation()).replace("<certifiante>0</certifiante>", "<certifiante>0</certifiante"))
    message, _ = run_failing(path)
    assert "offre.xml, ligne" in message and "colonne" in message and "XML mal formé" in message
    assert not Training.objects.exists()


def test_wrong_namespace_is_refused_naming_it(write):
    message, _ = run_failing(write(lheo(formation(), namespace="http://lheo.gouv.fr/2.1")))
    assert "espace de noms « http://lheo.gouv.fr/2.1 » non pris en charge" in message


def test_non_lheo_xml_is_refused(write):
    message, _ = run_failing(write(f'{HEAD}<rss version="2.0"><channel/></rss>'))
    assert "élément racine « rss »" in message


def test_missing_required_element(write, occitanie):
    path = write(lheo(formation(title="")))
    _, err = run_failing(path)
    assert (
        "offre.xml, ligne 3 (formation « F1 »), champ « intitule-formation » : élément obligatoire manquant"
        in err
    )
    assert not Training.objects.exists()


def test_unknown_commune(write, occitanie):
    place = """<lieu-de-formation><coordonnees><adresse><ligne>1 rue</ligne><codepostal>99999</codepostal>
        <ville>Nulle-Part</ville></adresse></coordonnees></lieu-de-formation>"""
    _, err = run_failing(write(lheo(formation(action=session_action(place=place)))))
    assert "champ « lieu-de-formation » : commune introuvable" in err
    assert "code postal « 99999 », ville « Nulle-Part »" in err


def test_date_that_does_not_parse(write, occitanie):
    _, err = run_failing(write(lheo(formation(action=session_action(sessions=session(start="20271301"))))))
    assert "(session « S1 »), champ « debut » : date illisible « 20271301 »" in err


def test_end_before_start(write, occitanie):
    path = write(lheo(formation(action=session_action(sessions=session(start="20280101", end="20270101")))))
    _, err = run_failing(path)
    assert "champ « fin » : la session finit (01/01/2027) avant de commencer (01/01/2028)" in err


def test_duplicate_identifier_in_one_batch_and_across_batches(write, occitanie, monkeypatch):
    from tremplin.catalog.lheo import importer

    sessions = session(numero="S1") + session(numero="S1", start="20290101", end="20290601")
    _, err = run_failing(write(lheo(formation(action=session_action(sessions=sessions)))))
    assert "identifiant de session en double « S1 »" in err

    # Across batches: a formation seen in an earlier batch of the same file.
    monkeypatch.setattr(importer, "BATCH_FORMATIONS", 1)
    second = formation(action=session_action(numero="A2", sessions=session(numero="S2")))
    _, err = run_failing(write(lheo(formation(), second), "twice.xml"))
    assert "identifiant de formation en double « F1 » (déjà présent plus haut dans le fichier)" in err
    assert not Training.objects.exists()


def test_skip_invalid_writes_the_good_records_and_lists_the_bad(write, occitanie):
    good = formation(numero="GOOD", action=session_action(numero="A-GOOD", sessions=session(numero="S-GOOD")))
    bad = formation(
        numero="BAD", title="", action=session_action(numero="A-BAD", sessions=session(numero="S-BAD"))
    )
    bad_session = formation(
        numero="HALF",
        action=session_action(
            numero="A-HALF",
            sessions=session(numero="S-OK") + session(numero="S-KO", start="2027-02-30"),
        ),
    )
    out, err = run(write(lheo(good, bad, bad_session)), "--skip-invalid")
    assert "champ « intitule-formation »" in err
    assert "(session « S-KO »), champ « debut » : date illisible « 2027-02-30 »" in err
    assert "ignoré (1) : formation invalide (voir les erreurs)" in out
    assert "ignoré (1) : session invalide (voir les erreurs)" in out
    assert set(Training.objects.values_list("external_id", flat=True)) == {"GOOD", "HALF"}
    assert set(TrainingSession.objects.values_list("external_id", flat=True)) == {"S-GOOD", "S-OK"}


def test_billion_laughs_is_refused_without_expansion(write):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">' for n in range(1, 10)
    )
    text = (
        f'{HEAD}<!DOCTYPE lheo [{entities}]><lheo xmlns="http://lheo.gouv.fr/2.3"><offres>'
        + formation(title="&lol9;")
        + "</offres></lheo>"
    )
    message, _ = run_failing(write(text))
    assert "déclare des entités XML" in message and "Refusé par sécurité" in message
    assert not Training.objects.exists()


def test_external_entity_is_refused_and_never_read(write, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("mot de passe")
    text = (
        f'{HEAD}<!DOCTYPE lheo [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f'<lheo xmlns="http://lheo.gouv.fr/2.3"><offres>{formation(title="&xxe;")}</offres></lheo>'
    )
    message, err = run_failing(write(text))
    assert "déclare des entités XML (xxe)" in message
    assert "mot de passe" not in message + err
    assert not Training.objects.exists()


def test_validate_reports_schema_errors_with_lines(write):
    text = lheo(formation()).replace("<certifiante>0</certifiante>", "<certifiante>oui</certifiante>")
    message, err = run_failing(write(text), "--validate")
    assert "non conforme au schéma LHEO 2.3" in message
    assert "offre.xml, ligne 9 : Element '{http://lheo.gouv.fr/2.3}certifiante'" in err
    assert not Training.objects.exists()


def test_validate_uses_the_configured_schema(write, settings, tmp_path):
    settings.LHEO_XSD_PATH = str(tmp_path / "absent.xsd")
    message, _ = run_failing(write(lheo(formation())), "--validate")
    assert "Schéma LHEO illisible" in message and "absent.xsd" in message


def test_huge_text_node_is_an_error_not_an_allocation(write):
    huge = "x" * (10_000_001)
    message, _ = run_failing(write(lheo(formation(title=huge))))
    assert "XML mal formé" in message


def test_missing_file():
    message, _ = run_failing("/nonexistent/offre.xml")
    assert "fichier introuvable" in message
