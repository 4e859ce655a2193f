"""LHEO 2.3 files built from parts, so that any value can be swapped for a hostile one. Text values
are escaped here: what a test passes is what the importer must read back."""

from xml.sax.saxutils import escape

NS = "http://lheo.gouv.fr/2.3"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
CNAM_SIRET = "77568236900029"


def text(value: str) -> str:
    return escape(value)


def session(*, numero="S1", start="20270901", end="20280630", state="1", places=None) -> str:
    extras = (
        f'<extras info="tremplin"><extra info="places-disponibles">{text(places)}</extra></extras>'
        if places is not None
        else ""
    )
    return f"""
        <session numero="{text(numero)}">
          <periode><debut>{text(start)}</debut><fin>{text(end)}</fin></periode>
          <adresse-inscription><adresse><ligne>2 avenue de Bourran</ligne><codepostal>12000</codepostal>
            <ville>Rodez</ville></adresse></adresse-inscription>
          <etat-recrutement>{text(state)}</etat-recrutement>{extras}
        </session>"""


def action(
    *,
    numero="A1",
    sessions: str | None = None,
    site="CNAM-RODEZ",
    insee="12202",
    mode="0",
    rhythm="Temps plein",
    hours="450",
    price="1 200,00",
) -> str:
    sessions = session() if sessions is None else sessions
    return f"""
      <action numero="{text(numero)}">
        <rythme-formation>{text(rhythm)}</rythme-formation>
        <code-public-vise>80024</code-public-vise>
        <niveau-entree-obligatoire>0</niveau-entree-obligatoire>
        <modalites-alternance>Sans objet</modalites-alternance>
        <modalites-enseignement>{text(mode)}</modalites-enseignement>
        <conditions-specifiques>Aucune</conditions-specifiques>
        <prise-en-charge-frais-possible>0</prise-en-charge-frais-possible>
        <lieu-de-formation><coordonnees><adresse><ligne>2 avenue de Bourran</ligne>
          <codepostal>12000</codepostal><ville>Rodez</ville><code-INSEE-commune>{text(insee)}</code-INSEE-commune>
        </adresse></coordonnees></lieu-de-formation>
        <modalites-entrees-sorties>0</modalites-entrees-sorties>
        {sessions}
        <prix-total-TTC>{text(price)}</prix-total-TTC>
        <nombre-heures-total>{text(hours)}</nombre-heures-total>
        <extras info="tremplin"><extra info="site-cnam">{text(site)}</extra></extras>
      </action>"""


def formation(
    *,
    numero="F1",
    title="Développeur web",
    objectives="Former des développeurs.",
    rome="M1805",
    entry_level="0",
    actions: str | None = None,
    siret=CNAM_SIRET,
    provider="Cnam Occitanie",
) -> str:
    actions = action() if actions is None else actions
    return f"""
    <formation numero="{text(numero)}">
      <domaine-formation><code-ROME>{text(rome)}</code-ROME></domaine-formation>
      <intitule-formation>{text(title)}</intitule-formation>
      <objectif-formation>{text(objectives)}</objectif-formation>
      <resultats-attendus>Résultats.</resultats-attendus>
      <contenu-formation>Contenu.</contenu-formation>
      <certifiante>0</certifiante>
      <contact-formation><coordonnees/></contact-formation>
      <parcours-de-formation>1</parcours-de-formation>
      <code-niveau-entree>{text(entry_level)}</code-niveau-entree>
      {actions}
      <organisme-formation-responsable>
        <numero-activite>73310000012</numero-activite>
        <SIRET-organisme-formation><SIRET>{text(siret)}</SIRET></SIRET-organisme-formation>
        <nom-organisme>{text(provider)}</nom-organisme>
        <raison-sociale>{text(provider)}</raison-sociale>
        <coordonnees-organisme><coordonnees/></coordonnees-organisme>
        <contact-organisme><coordonnees/></contact-organisme>
      </organisme-formation-responsable>
    </formation>"""


def lheo(*formations: str, prolog: str = "") -> str:
    return f'{HEAD}{prolog}<lheo xmlns="{NS}"><offres>{"".join(formations)}</offres></lheo>\n'
