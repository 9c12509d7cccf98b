"""Version 1 of the cardmember terms as the structure of the terms' sections, not an 8-paragraph summary
(issue 16 item 12; terms §1, §25).

The full wording of the Danish cardmember terms is not available to this project. What is seeded is the
structure of the sections the product specification cites (§3, §5–§9, §11, §13–§18, §20–§23, §25–§27,
§30–§32, §38), each with its heading in Danish and English and the rule the product enforces, marked as
not the full wording. The lost-card section keeps §22d's condition. §18 is personal data and §20
communication (the summary had them swapped). Only a text still holding the old summary is replaced.
Dutch and French keep their summary (the Belgian terms are not available either), corrected: the lost-card
paragraph gains §22d's condition and the §18/§20 references are the right way round.
"""

from django.db import migrations

NOTE = {
    "en": "Structure of the terms: the full wording of the issuer's cardmember terms is not available in this "
          "system. Each section gives its heading and the rule this system applies; the issuer's signed terms "
          "are the binding text.",
    "da": "Vilkårenes opbygning: den fulde ordlyd af udstederens kortholdervilkår er ikke tilgængelig i dette "
          "system. Hvert afsnit angiver sin overskrift og den regel, systemet anvender; de underskrevne vilkår fra "
          "udstederen er den bindende tekst.",
}

SECTIONS = [
    ("3", "Using the card", "Brug af kortet",
     "Only the cardmember may use the card, for the company's business expenses; each payment is authorized "
     "against the card's and the company's limits and controls.",
     "Kun kortholderen må bruge kortet, til virksomhedens erhvervsmæssige udgifter; hver betaling godkendes "
     "inden for kortets og virksomhedens grænser og begrænsninger."),
    ("5", "Spending limits", "Beløbsgrænser",
     "The company sets limits per payment, day, month and statement period, and cash limits; a payment above a "
     "limit is declined with its reason.",
     "Virksomheden fastsætter grænser pr. betaling, dag, måned og kontoudtogsperiode samt grænser for kontanter; "
     "en betaling over en grænse afvises med begrundelse."),
    ("6", "Approving payments", "Godkendelse af betalinger",
     "A payment is approved with the card and PIN, a signature or contactless within the contactless ceilings; "
     "a declined payment is shown with its reason.",
     "En betaling godkendes med kort og pinkode, underskrift eller kontaktløst inden for grænserne for "
     "kontaktløs betaling; en afvist betaling vises med begrundelse."),
    ("7", "Statements", "Kontoudtog",
     "A statement for each period with activity or a balance; check it and tell the issuer at once about any "
     "error.",
     "Et kontoudtog for hver periode med bevægelser eller saldo; kontrollér det, og giv straks udstederen besked "
     "om fejl."),
    ("8", "Transactions online", "Transaktioner online",
     "Transactions can be seen online for 3 months (§8b); statements stay available.",
     "Transaktioner kan ses online i 3 måneder (§8b); kontoudtog er fortsat tilgængelige."),
    ("9", "Fees and interest", "Gebyrer og renter",
     "The fees are those of the fee schedule; a reminder fee only with its reminder letter (§9c); late interest "
     "at the reference rate plus the margin, never above the Interest Act's rate (§9i).",
     "Gebyrerne er gebyroversigtens; rykkergebyr kun sammen med rykkerbrevet (§9c); morarente med referencesatsen "
     "plus tillægget, aldrig over rentelovens sats (§9i)."),
    ("11", "Foreign currency", "Udenlandsk valuta",
     "Payments in another currency are converted through USD at the reference rates, with the currency "
     "conversion fee; none in the billing currency (§11c).",
     "Betalinger i anden valuta omregnes via USD til referencekurserne med valutagebyr; intet gebyr i "
     "afregningsvalutaen (§11c)."),
    ("13", "Payment", "Betaling",
     "The full amount due is paid by the due date to the issuer's account, quoting the reference; payments pay "
     "the oldest amounts first (§13e); no interest on credit balances (§13f).",
     "Hele det skyldige beløb betales senest på forfaldsdagen til udstederens konto med referencen; betalinger "
     "dækker de ældste beløb først (§13e); der gives ikke rente af indestående (§13f)."),
    ("14", "Issuing and renewing cards", "Udstedelse og fornyelse af kort",
     "Cards are issued at the company's request and renewed before expiry unless unused for 12 months.",
     "Kort udstedes efter virksomhedens anmodning og fornyes før udløb, medmindre de ikke er brugt i 12 måneder."),
    ("15", "Replacement cards", "Erstatningskort",
     "A lost, stolen, damaged or not received card is cancelled and replaced with a new card number.",
     "Et mistet, stjålet, beskadiget eller ikke modtaget kort spærres og erstattes med et nyt kortnummer."),
    ("16", "Recurring payments", "Tilbagevendende betalinger",
     "The cardmember or the company can stop a merchant's recurring payments on a card from the next bank day.",
     "Kortholderen eller virksomheden kan stoppe en forretnings tilbagevendende betalinger på et kort fra næste "
     "bankdag."),
    ("17", "Contactless payments", "Kontaktløse betalinger",
     "Contactless payments without PIN within the per-payment and cumulative ceilings; beyond them the PIN is "
     "required.",
     "Kontaktløse betalinger uden pinkode inden for grænserne pr. betaling og samlet; derudover kræves pinkode."),
    ("18", "Personal data", "Persondata",
     "Personal data is processed to run the card programme and as bookkeeping law requires; the cardmember can "
     "have a copy; it is pseudonymised after the retention period.",
     "Persondata behandles for at drive kortprogrammet og som bogføringsloven kræver; kortholderen kan få en "
     "kopi; de pseudonymiseres efter opbevaringsperioden."),
    ("20", "Communication", "Kommunikation",
     "Notices by email and in the portal inbox; for a centrally billed, company-liable account they go to the "
     "company's programme administrators.",
     "Meddelelser pr. e-mail og i portalens indbakke; for en centralt afregnet konto, som virksomheden hæfter "
     "for, går de til virksomhedens programadministratorer."),
    ("21", "Complaints", "Klager",
     "A complaint about goods is settled with the merchant (§21a); a complaint about the issuer is answered in "
     "writing within 15 bank days, naming where to take it next (§21b–d).",
     "En klage over varer afgøres med forretningen (§21a); en klage over udstederen besvares skriftligt inden "
     "for 15 bankdage med oplysning om, hvor den kan indbringes (§21b–d)."),
    ("22", "Lost, stolen and misused cards", "Mistede, stjålne og misbrugte kort",
     "Report a lost or stolen card, or misuse, at once (§22a). Before the report your share of unauthorized use "
     "is at most DKK 375, unless it came about through your deliberate breach of the terms, gross negligence or "
     "fraud (§22c). After you have told the issuer you are not liable for later unauthorized use, unless you "
     "acted fraudulently (§22d). A disputed error or misuse is credited for the time being (§22g).",
     "Meld straks et mistet eller stjålet kort eller misbrug (§22a). Før anmeldelsen hæfter du højst for DKK 375 "
     "af uberettiget brug, medmindre den skyldes din forsætlige overtrædelse af vilkårene, grov uagtsomhed eller "
     "svig (§22c). Når du har givet udstederen besked, hæfter du ikke for senere uberettiget brug, medmindre du "
     "har handlet svigagtigt (§22d). En indsigelse om fejl eller misbrug krediteres foreløbigt (§22g)."),
    ("23", "Refund of approved payments", "Tilbagebetaling af godkendte betalinger",
     "A refund of an approved payment to an EEA merchant can be asked for within 8 weeks; it is decided within "
     "10 bank days of complete information.",
     "Tilbagebetaling af en godkendt betaling til en forretning i EØS kan kræves inden for 8 uger; den afgøres "
     "inden for 10 bankdage efter fuldstændige oplysninger."),
    ("25", "Changes to the terms", "Ændringer af vilkårene",
     "Changes with at least 2 months' notice (§25b); until they apply the cardmember or company can reject "
     "them, closing the account free of charge.",
     "Ændringer med mindst 2 måneders varsel (§25b); indtil de gælder, kan kortholderen eller virksomheden "
     "afvise dem og lukke kontoen uden omkostninger."),
    ("26", "Blocking the card", "Spærring af kortet",
     "The issuer can block a card for security, suspected misuse or missed payment, telling the cardmember why "
     "where the reason allows it (§26a).",
     "Udstederen kan spærre et kort af sikkerhedshensyn, ved mistanke om misbrug eller manglende betaling og "
     "oplyser kortholderen om årsagen, hvor den tillader det (§26a)."),
    ("27", "Default", "Misligholdelse",
     "A missed due date or a returned payment is a default; cards are suspended and the account can go to "
     "collections, with documented collection costs (§27b, §27d).",
     "En overskredet forfaldsdag eller en returneret betaling er misligholdelse; kortene spærres, og kontoen kan "
     "gå til inkasso med dokumenterede inkassoomkostninger (§27b, §27d)."),
    ("30", "Term of the agreement", "Aftalens varighed",
     "The agreement runs until it is terminated.",
     "Aftalen løber, indtil den opsiges."),
    ("31", "Termination", "Opsigelse",
     "The cardmember or company can terminate at any time; the issuer with 2 months' notice, or at once for a "
     "breach or the end of employment (§31a).",
     "Kortholderen eller virksomheden kan opsige når som helst; udstederen med 2 måneders varsel eller straks ved "
     "misligholdelse eller ophør af ansættelsen (§31a)."),
    ("32", "When the agreement ends", "Når aftalen ophører",
     "Everything owed, including amounts not yet billed, becomes payable on a final statement; the annual fee "
     "is refunded pro rata.",
     "Alt skyldigt, også beløb der endnu ikke er faktureret, forfalder på et slutkontoudtog; årsgebyret "
     "refunderes forholdsmæssigt."),
    ("38", "SAS EuroBonus", "SAS EuroBonus",
     "With the company's approval the cardmember earns EuroBonus points on purchases, for the EuroBonus fee.",
     "Med virksomhedens godkendelse optjener kortholderen EuroBonus-point på køb mod EuroBonus-gebyret."),
]

OLD_STARTS = {"en": "1. The agreement.", "da": "1. Aftalen."}


def body(language: str) -> str:
    index = 1 if language == "en" else 2
    rule = 3 if language == "en" else 4
    parts = [NOTE[language]]
    parts += [f"§{section[0]} {section[index]}. {section[rule]}" for section in SECTIONS]
    return "\n\n".join(parts)


# The summaries' corrections: (old, new) pairs, applied where the old wording is still there.
CORRECTIONS = {
    "nl": [("U bent niet aansprakelijk voor verrichtingen na de melding.",
            "U bent niet aansprakelijk voor verrichtingen na de melding, tenzij u frauduleus hebt gehandeld (§22d)."),
           ("6. Berichten (§18).", "6. Berichten (§20)."),
           ("7. Persoonsgegevens (§20).", "7. Persoonsgegevens (§18).")],
    "fr": [("Vous n'êtes pas responsable des opérations effectuées après le signalement.",
            "Vous n'êtes pas responsable des opérations effectuées après le signalement, sauf si vous avez agi "
            "frauduleusement (§22d)."),
           ("6. Notifications (§18).", "6. Notifications (§20)."),
           ("7. Données personnelles (§20).", "7. Données personnelles (§18).")],
}


def seed(apps, schema_editor):
    text_model = apps.get_model("documents", "TermsText")
    for language, start in OLD_STARTS.items():
        text_model.objects.filter(terms__version=1, language=language, body__startswith=start).update(
            body=body(language))
    for language, pairs in CORRECTIONS.items():
        for text in text_model.objects.filter(terms__version=1, language=language):
            corrected = text.body
            for old, new in pairs:
                if new not in corrected:
                    corrected = corrected.replace(old, new)
            if corrected != text.body:
                text.body = corrected
                text.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("documents", "0004_issuer_details_examples")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
