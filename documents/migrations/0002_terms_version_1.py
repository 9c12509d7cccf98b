"""Version 1 of the cardmember terms, so a fresh database and the demo have terms in force
(terms §1, §25). Ops publish later versions in the admin."""

import datetime as dt

from django.db import migrations

TITLES = {
    "en": "Terms for the Corporate Card",
    "da": "Vilkår for Corporate Card",
    "nl": "Voorwaarden voor de Corporate Card",
    "fr": "Conditions de la Corporate Card",
}

BODIES = {
    "en": """1. The agreement. These terms apply to the Corporate Card issued to you at your employer's request. The card is issued for business expenses and remains the property of the card issuer.

2. Use of the card. Only you may use the card. Keep the card and its PIN safe, and never write the PIN on the card or keep it together with it.

3. Fees. The fees in force are listed in the fee schedule, which you can read in the portal at any time. The annual fee and any other fees are charged to your account as stated there.

4. Statements and payment. You receive a statement for each period with a balance. The amount due must be paid by the due date shown on the statement; late payment may give rise to reminder fees and late interest.

5. Lost or stolen card. Report a lost or stolen card at once, in the portal or by phone. You are not liable for charges made after the report.

6. Notices (§18). We send notices to you by email and in the portal inbox. If your company has central billing and is liable for the card, notices about the account go to your company's programme administrators. Keep your contact details up to date: if an email is returned, we stop emailing you until they are corrected.

7. Personal data (§20). We process your personal data to run the card programme and as required by bookkeeping law. You can ask for a copy of your data.

8. Changes (§25). We may change these terms and the fees with at least two months' notice. You will be notified, and the new version is shown in the portal.""",
    "da": """1. Aftalen. Disse vilkår gælder for det Corporate Card, der er udstedt til dig efter anmodning fra din arbejdsgiver. Kortet udstedes til erhvervsmæssige udgifter og tilhører fortsat kortudstederen.

2. Brug af kortet. Kun du må bruge kortet. Opbevar kortet og pinkoden forsvarligt, og skriv aldrig pinkoden på kortet eller opbevar den sammen med det.

3. Gebyrer. De gældende gebyrer fremgår af gebyroversigten, som du altid kan læse i portalen. Årsgebyret og eventuelle andre gebyrer debiteres din konto som anført dér.

4. Kontoudtog og betaling. Du modtager et kontoudtog for hver periode med en saldo. Det skyldige beløb skal betales senest på den forfaldsdato, der står på kontoudtoget; for sen betaling kan medføre rykkergebyrer og morarenter.

5. Mistet eller stjålet kort. Meld et mistet eller stjålet kort straks, i portalen eller pr. telefon. Du hæfter ikke for køb foretaget efter anmeldelsen.

6. Meddelelser (§18). Vi sender meddelelser til dig pr. e-mail og i portalens indbakke. Har din virksomhed central afregning og hæfter for kortet, går meddelelser om kontoen til virksomhedens programadministratorer. Hold dine kontaktoplysninger opdateret: kommer en e-mail retur, stopper vi med at e-maile dig, indtil de er rettet.

7. Persondata (§20). Vi behandler dine persondata for at drive kortprogrammet og som bogføringsloven kræver. Du kan bede om en kopi af dine data.

8. Ændringer (§25). Vi kan ændre disse vilkår og gebyrerne med mindst to måneders varsel. Du får besked, og den nye version vises i portalen.""",
    "nl": """1. De overeenkomst. Deze voorwaarden gelden voor de Corporate Card die op verzoek van uw werkgever aan u is uitgegeven. De kaart wordt uitgegeven voor zakelijke uitgaven en blijft eigendom van de kaartuitgever.

2. Gebruik van de kaart. Alleen u mag de kaart gebruiken. Bewaar de kaart en de pincode zorgvuldig; schrijf de pincode nooit op de kaart en bewaar ze niet samen.

3. Kosten. De geldende kosten staan in het kostenoverzicht, dat u altijd in het portaal kunt lezen. De jaarlijkse bijdrage en eventuele andere kosten worden aan uw rekening aangerekend zoals daar vermeld.

4. Afschriften en betaling. U ontvangt voor elke periode met een saldo een afschrift. Het verschuldigde bedrag moet uiterlijk op de vervaldatum op het afschrift betaald zijn; bij te late betaling kunnen aanmaningskosten en nalatigheidsinteresten worden aangerekend.

5. Verloren of gestolen kaart. Meld een verloren of gestolen kaart onmiddellijk, in het portaal of telefonisch. U bent niet aansprakelijk voor verrichtingen na de melding.

6. Berichten (§18). Wij sturen u berichten per e-mail en in de inbox van het portaal. Heeft uw bedrijf centrale facturatie en is het aansprakelijk voor de kaart, dan gaan berichten over de rekening naar de programmabeheerders van uw bedrijf. Houd uw contactgegevens up-to-date: komt een e-mail terug, dan sturen wij u geen e-mails meer tot ze zijn verbeterd.

7. Persoonsgegevens (§20). Wij verwerken uw persoonsgegevens om het kaartprogramma uit te voeren en zoals de boekhoudwetgeving vereist. U kunt een kopie van uw gegevens vragen.

8. Wijzigingen (§25). Wij kunnen deze voorwaarden en de kosten wijzigen met een opzegtermijn van minstens twee maanden. U wordt op de hoogte gebracht en de nieuwe versie staat in het portaal.""",
    "fr": """1. Le contrat. Les présentes conditions s'appliquent à la Corporate Card émise à votre nom à la demande de votre employeur. La carte est émise pour des dépenses professionnelles et reste la propriété de l'émetteur.

2. Utilisation de la carte. Vous seul pouvez utiliser la carte. Conservez la carte et son code PIN en lieu sûr ; n'écrivez jamais le code sur la carte et ne le gardez pas avec elle.

3. Frais. Les frais en vigueur figurent dans le barème des frais, consultable à tout moment dans le portail. La cotisation annuelle et les autres frais éventuels sont portés au débit de votre compte comme indiqué dans ce barème.

4. Relevés et paiement. Vous recevez un relevé pour chaque période présentant un solde. Le montant dû doit être payé au plus tard à la date d'échéance indiquée sur le relevé ; un retard de paiement peut entraîner des frais de rappel et des intérêts de retard.

5. Carte perdue ou volée. Signalez immédiatement une carte perdue ou volée, dans le portail ou par téléphone. Vous n'êtes pas responsable des opérations effectuées après le signalement.

6. Notifications (§18). Nous vous envoyons les notifications par e-mail et dans la boîte de réception du portail. Si votre société a une facturation centrale et est responsable de la carte, les notifications concernant le compte sont adressées aux administrateurs de programme de votre société. Tenez vos coordonnées à jour : si un e-mail nous revient, nous cessons de vous écrire par e-mail jusqu'à leur correction.

7. Données personnelles (§20). Nous traitons vos données personnelles pour gérer le programme de cartes et comme l'exige la législation comptable. Vous pouvez demander une copie de vos données.

8. Modifications (§25). Nous pouvons modifier ces conditions et les frais moyennant un préavis d'au moins deux mois. Vous en êtes informé et la nouvelle version est affichée dans le portail.""",
}


def seed(apps, schema_editor):
    TermsVersion = apps.get_model("documents", "TermsVersion")
    TermsText = apps.get_model("documents", "TermsText")
    terms, _created = TermsVersion.objects.get_or_create(
        version=1, defaults={"effective_from": dt.date(2025, 1, 1), "published_on": dt.date(2024, 10, 1)})
    for language, title in TITLES.items():
        TermsText.objects.get_or_create(terms=terms, language=language,
                                        defaults={"title": title, "body": BODIES[language]})


def unseed(apps, schema_editor):
    apps.get_model("documents", "TermsVersion").objects.filter(version=1, acceptances__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
