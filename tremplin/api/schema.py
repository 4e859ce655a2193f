"""The OpenAPI schema's shared parts: the general description, the problem+json error responses of
every operation, and the commune lookup (a plain Django view of the territories app)."""

from tremplin.api.errors import PROBLEM_CONTENT_TYPE

DESCRIPTION = """
L'API de Tremplin permet aux systèmes d'information des missions locales (i-milo), du Cnam et des
catalogues régionaux de travailler avec Tremplin sans ressaisie : lire l'offre de formation,
inscrire des jeunes, les orienter, suivre et faire avancer les orientations.

## Authentification
Chaque organisation a ses jetons, créés dans Tremplin (page « Accès à l'API », pour les responsables
de mission locale et les administrateur·rices régionaux·ales du Cnam) ou par l'équipe d'exploitation
(`python manage.py create_api_token --organisation CODE --name NOM --scopes read,write`). Le jeton
n'est affiché qu'une fois. Envoyez-le dans chaque requête :

    Authorization: Bearer trp_…

Un jeton agit au nom de son organisation et voit ce qu'y voit un·e responsable : une mission locale
ses jeunes et ses orientations, un centre Cnam les orientations qui lui sont adressées (un centre
régional, aussi celles de ses centres). Un objet hors de ce périmètre répond 404. Un jeton « lecture »
ne peut que lire ; un jeton « écriture » peut aussi créer et modifier. L'offre (centres, formations,
sessions) et les communes sont publiques. Les pages de Tremplin utilisent aussi l'API avec la
session de la personne connectée.

## Pagination
Les listes sont paginées par curseur : suivez le lien `next` de chaque page jusqu'à ce qu'il soit
`null` (`page_size` : 50 par défaut, 200 au plus). Un curseur reste valable même si des éléments
sont ajoutés pendant le parcours.

## Erreurs
Toutes les erreurs sont au format `application/problem+json` (RFC 9457) : `type`, `title`, `status`,
`detail` en français et, pour des données invalides (400), `errors`, la liste des champs en cause :

    {"type": "urn:tremplin:problem:invalid", "title": "Données invalides", "status": 400,
     "detail": "birth_date : La date de naissance ne peut pas être dans le futur.",
     "errors": [{"field": "birth_date", "message": "La date de naissance ne peut pas être dans le futur."}]}

## Créations sans doublon : `Idempotency-Key`
Sur les POST qui créent ou font avancer (jeunes, orientations, transitions), un en-tête
`Idempotency-Key` (par exemple un UUID) permet de renvoyer sans risque une requête restée sans
réponse : pendant 24 heures, la même clé reçoit la même réponse (avec `Idempotent-Replayed: true`)
et rien n'est créé deux fois.

## Modifications concurrentes : `ETag` et `If-Match`
Une fiche, une orientation ou une session lue porte un en-tête `ETag`. Renvoyez-le dans `If-Match`
avec la modification : si l'objet a changé entre-temps, la réponse est 412 et rien n'est écrit ;
relisez-le et recommencez.

## Limites de débit
Chaque jeton a un nombre de requêtes par minute. Au-delà, la réponse est 429 avec l'en-tête
`Retry-After` (secondes à attendre).

## Webhooks
Une organisation peut enregistrer dans Tremplin une adresse qui reçoit chaque changement de statut de
ses orientations (`POST`, JSON, type `referral.status_changed`) :

    {"id": "3f1c…", "type": "referral.status_changed", "created_at": "2025-09-12T10:04:00+02:00",
     "data": {"referral": 5012, "referral_url": "https://…/api/v1/referrals/5012/",
              "action": "acknowledge", "from_status": "sent", "to_status": "acknowledged",
              "reason": "", "side": "cnam", "mission_locale": 17, "site": 240, "session": 9031}}

Le corps ne contient aucune donnée personnelle : lisez l'orientation par l'API. Chaque envoi est
signé : `Tremplin-Signature: t=HORODATAGE,v1=SIGNATURE`, où SIGNATURE est le HMAC-SHA256 en
hexadécimal, avec le secret du webhook, de l'horodatage, d'un point et du corps brut. Vérifiez-la
(comparaison à temps constant) et refusez un horodatage de plus de cinq minutes. Répondez 2xx :
sinon l'envoi est réessayé (après 1 min, 5 min, 30 min, 2 h, 6 h, 12 h et 24 h). L'en-tête
`Tremplin-Delivery` identifie l'envoi (le même à chaque nouvel essai).

## Le parcours d'un ou une jeune
1. `POST /api/v1/young-people/` (jeton de mission locale, avec `consent: true`) ;
2. `GET /api/v1/young-people/{id}/recommendations/` ou `GET /api/v1/sessions/?commune=…` ;
3. `POST /api/v1/referrals/` avec `young_person` et `session` ;
4. côté Cnam, `POST /api/v1/referrals/{id}/transitions/` : `acknowledge`, `plan_meeting`, `admit`,
   `enroll`, puis `complete` ;
5. des deux côtés, `GET /api/v1/referrals/{id}/` et `/events/` pour suivre.
""".strip()

TAGS = [
    {"name": "Offre", "description": "Centres du Cnam, formations et sessions. Public."},
    {"name": "Orientation", "description": "Classement des sessions pour un profil."},
    {"name": "Jeunes", "description": "Fiches des jeunes d'une mission locale (missions locales seulement)."},
    {"name": "Orientations", "description": "Orientations vers le Cnam et leur cycle de vie."},
    {"name": "Statistiques", "description": "Chiffres agrégés, sans aucune donnée personnelle."},
    {"name": "Territoires", "description": "Communes (référentiel public)."},
]

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "Une erreur (RFC 9457).",
    "properties": {
        "type": {"type": "string", "description": "Code de l'erreur, ex. `urn:tremplin:problem:invalid`."},
        "title": {"type": "string", "description": "Intitulé de l'erreur."},
        "status": {"type": "integer", "description": "Code HTTP."},
        "detail": {"type": "string", "description": "Explication en français."},
        "instance": {"type": "string", "description": "Chemin de la requête."},
        "errors": {
            "type": "array",
            "description": "Pour des données invalides : les champs en cause.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {
                        "type": "string",
                        "nullable": True,
                        "description": "Champ (chemin pointé, ex. `interests.1`) ; null : la requête entière.",
                    },
                    "message": {"type": "string", "description": "Message en français."},
                },
                "required": ["field", "message"],
            },
        },
        "retry_after": {"type": "integer", "description": "Pour 429 : secondes à attendre."},
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}

ERRORS = {
    "400": "Données ou paramètres invalides ; `errors` nomme les champs.",
    "401": "Jeton absent, inconnu, expiré ou révoqué.",
    "403": "Action non permise à votre organisation ou à votre jeton.",
    "404": "Introuvable, ou hors du périmètre de votre organisation.",
    "406": "Format de réponse demandé (en-tête Accept) non disponible : l'API répond en JSON.",
    "429": "Trop de requêtes : attendez `Retry-After` secondes.",
}
WRITE_ERRORS = {
    "409": "Conflit avec l'état de l'objet (transition impossible depuis ce statut, doublon, orientation déjà "
    "en cours, même clé d'idempotence en cours).",
    "412": "L'objet a changé depuis votre lecture (`If-Match`).",
    "415": "Corps de requête dans un format non pris en charge : envoyez du JSON.",
    "422": "Clé d'idempotence déjà utilisée pour une autre requête.",
}

COMMUNE_SCHEMA = {
    "type": "object",
    "properties": {
        "insee_code": {"type": "string", "description": "Code INSEE."},
        "name": {"type": "string", "description": "Nom."},
        "kind": {
            "type": "string",
            "description": "Type : `COM` (commune), `ARM` (arrondissement municipal)…",
        },
        "postal_codes": {"type": "array", "items": {"type": "string"}, "description": "Codes postaux."},
        "department_code": {"type": "string"},
        "department_name": {"type": "string"},
        "region_name": {"type": "string"},
        "population": {"type": "integer", "description": "Population municipale."},
        "latitude": {"type": "number", "nullable": True},
        "longitude": {"type": "number", "nullable": True},
        "size_class": {
            "type": "string",
            "description": "Taille : rural, petite ville, ville moyenne, grande ville.",
        },
    },
}

COMMUNES_PATH = {
    "get": {
        "operationId": "communes_list",
        "tags": ["Territoires"],
        "summary": "Chercher une commune",
        "description": "Les communes dont le nom, un code postal (ou son début) ou le code INSEE correspond à `q`, "
        "les plus probables d'abord (au plus `limit`, 20 au plus). Public. Exemple : `?q=rodez`, `?q=12000`.",
        "parameters": [
            {
                "name": "q",
                "in": "query",
                "required": True,
                "schema": {"type": "string"},
                "description": "Nom, code postal ou code INSEE ; moins de deux caractères : aucune commune.",
                "example": "rodez",
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 20, "default": 20},
                "description": "Nombre de communes, de 1 à 20.",
            },
        ],
        "responses": {
            "200": {
                "description": "Les communes trouvées.",
                "content": {"application/json": {"schema": {"type": "array", "items": COMMUNE_SCHEMA}}},
            },
            "400": {
                "description": "Paramètre manquant ou invalide.",
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"detail": {"type": "string"}}}
                    }
                },
            },
        },
        "security": [{}],
    }
}


def _problem_response(description: str) -> dict:
    return {
        "description": description,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def add_problems(result, generator, request, public):
    """Postprocessing hook: the description, error responses on every operation, the commune lookup."""
    result["info"]["description"] = DESCRIPTION
    result["tags"] = TAGS
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for parameter in operation.get("parameters", []):
                if (
                    parameter["in"] == "path"
                    and parameter["name"] == "id"
                    and not parameter.get("description")
                ):
                    parameter["description"] = "Identifiant de l'objet (le champ `id` des listes)."
            responses = operation.setdefault("responses", {})
            errors = dict(ERRORS)
            if method in ("post", "put", "patch", "delete"):
                errors.update(WRITE_ERRORS)
            for code, description in errors.items():
                responses.setdefault(code, _problem_response(description))
    paths = result.setdefault("paths", {})
    paths["/api/v1/communes/"] = COMMUNES_PATH
    result["paths"] = dict(sorted(paths.items()))
    return result
