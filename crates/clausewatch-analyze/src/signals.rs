//! Language-independent signals the change classifier reads from the clauses that changed:
//! page furniture, date lines, the language of a clause, capture artefacts (error pages,
//! truncated captures, text coming back from an earlier capture), spelling variants and the
//! words that carry rights and obligations in the languages platforms write their terms in.
//! Pure; every signal is a rule about how captures and legal texts look, not about a document.

use std::collections::{BTreeMap, BTreeSet};

/// Words (canonical, lower-case) whose appearance or disappearance changes rights,
/// obligations, permissions or data practices. English first, then the other languages of the
/// tracked documents (French, German, Spanish, Italian, Portuguese, Dutch, Polish, Romanian).
#[rustfmt::skip]
pub const OBLIGATION_WORDS: &[&str] = &[
    "may", "must", "shall", "will", "not", "no", "never", "only", "without", "unless", "except", "required",
    "require", "requires", "prohibited", "prohibit", "prohibits", "allow", "allowed", "allows", "permit",
    "permitted", "forbidden", "right", "rights", "waive", "waiver", "liable", "liability", "refund",
    "refunds", "fee", "fees", "price", "prices", "pricing", "charge", "charges", "sell", "sold", "sale",
    "share", "shared", "shares", "disclose", "disclosed", "retain", "retained", "retention", "delete",
    "deleted", "collect", "collected", "collects", "train", "training", "consent", "opt", "terminate",
    "termination", "suspend", "arbitration", "court", "courts", "law", "jurisdiction", "age", "children",
    "minors", "days", "months", "years", "hours", "minutes", "personal", "data", "license", "licence",
    "ownership", "own", "indemnify", "warranty", "warranties", "responsible", "agree", "transfer",
    "transferred", "third", "advertising", "ads", "biometric", "location", "ban", "banned", "remove",
    "removed", "restrict", "restricted", "eligible", "eligibility", "obligation", "obligations", "entitled",
    "cancel", "cancellation", "withdraw", "withdrawal", "notice", "notify", "store", "stored", "process",
    "processing", "sensitive", "profiling", "automated", "verify", "verification", "penalty", "penalties",
    "damages", "compensation",
];

/// The same for the other languages of the tracked documents; read only in documents that are
/// not in English (in English text "non", "mag" or "nu" are something else).
#[rustfmt::skip]
pub const OTHER_OBLIGATION_WORDS: &[&str] = &[
    "doit", "doivent", "peut", "peuvent", "interdit", "interdite", "interdits",
    "interdiction", "autorisé", "autorisée", "obligatoire", "droit", "droits", "pas", "ne", "aucun", "aucune",
    "jamais", "seulement", "uniquement", "sauf", "données", "prix", "frais", "remboursement", "résiliation",
    "suspendre", "supprimer", "suppression", "conservation", "conserver", "partager", "vendre",
    "consentement", "jours", "mois", "ans", "heures", "âge", "mineurs", "responsable", "responsabilité",
    "tribunal", "tribunaux", "loi", "engage", "muss", "müssen", "darf", "dürfen", "nicht", "kein", "keine",
    "nie", "niemals", "nur", "verboten", "untersagt", "erlaubt", "gestattet", "pflicht", "verpflichtet",
    "recht", "rechte", "daten", "preis", "preise", "gebühr", "gebühren", "erstattung", "kündigung",
    "kündigen", "löschen", "löschung", "speicherung", "speicherdauer", "weitergabe", "einwilligung", "tage",
    "tagen", "monate", "monaten", "jahre", "jahren", "stunden", "alter", "minderjährige", "haftung",
    "gericht", "gerichtsstand", "debe", "deben", "puede", "pueden", "prohibido", "prohibida", "derecho",
    "derechos", "datos", "precio", "reembolso", "días", "meses", "años", "nunca", "solo", "solamente", "deve",
    "devem", "pode", "podem", "proibido", "direito", "direitos", "dados", "preço", "reembolso", "dias", "não",
    "nunca", "deve", "può", "possono", "vietato", "diritto", "diritti", "dati", "prezzo", "rimborso",
    "giorni", "mesi", "anni", "non", "mai", "solo", "moet", "mag", "niet", "geen", "verboden", "recht",
    "gegevens", "prijs", "dagen", "maanden", "musi", "może", "nie", "zakazane", "prawo", "dane", "cena",
    "dni", "trebuie", "poate", "interzis", "dreptul", "datele", "prețul", "preț", "zile", "luni", "ani", "nu",
];

/// Function words: a change made only of these (and spelling variants) does not change meaning.
#[rustfmt::skip]
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "that", "which", "who", "whom", "this", "these", "those", "of", "to", "in", "on", "at",
    "by", "for", "with", "as", "such", "like", "and", "or", "but", "so", "also", "then", "than", "is", "are",
    "was", "were", "be", "been", "being", "it", "its", "their", "our", "your", "you", "we", "they", "us",
    "from", "into", "onto", "about", "among", "amongst", "within", "while", "whilst", "over", "off", "out",
    "up", "how", "what", "when", "where", "why", "there", "here", "do", "does", "did", "has", "have", "had",
    "can", "could", "would", "should", "more", "most", "some", "any", "each", "other", "own", "same",
    "certain", "e", "g", "i", "etc", "example", "s", "t", "u", "via", "per", "le", "la", "les", "de", "des", "du", "et",
    "ou", "un", "une", "der", "die", "das", "und", "oder", "ein", "eine", "el", "los", "las", "y", "o", "il",
    "lo", "gli", "di", "e", "da", "em",
];

/// Phrases of error, block and empty pages captured instead of a document.
#[rustfmt::skip]
const ERROR_MARKERS: &[&str] = &[
    "this page isn t available", "this page is not available", "page not found",
    "an unexpected error has occurred", "something went wrong", "try reloading the page", "try reloading this page",
    "because of a technical error that we re working to fix", "access denied",
    "temporarily unavailable", "service unavailable", "internal server error", "bad gateway",
    "too many requests", "please enable javascript", "enable javascript", "verify you are human",
    "are you a robot", "checking your browser", "page introuvable", "seite nicht gefunden",
    "página no encontrada", "pagina non trovata", "error 404", "404 not found",
    "we couldn t load the page", "we couldn t load this page", "we could not load the page",
    "es ist ein fehler aufgetreten", "ein fehler ist aufgetreten", "wir konnten die seite nicht laden",
    "une erreur s est produite", "une erreur est survenue", "se ha producido un error", "ha ocurrido un error",
    "si è verificato un errore",
];

/// Phrases of page furniture around a document: cookie banners, feedback prompts, navigation,
/// and the help-centre widgets of `WIDGET_MARKERS`. A short clause holding one of these is not
/// part of the terms.
#[rustfmt::skip]
const FURNITURE_MARKERS: &[&str] = &[
    "cookie", "we d like to use cookies", "we would like to use cookies", "this site uses cookies",
    "this website uses cookies", "cookie notice", "cookie settings", "cookie preferences", "accept all",
    "reject all", "manage preferences", "tell us how we re doing", "have a moment", "take the survey",
    "chat with", "get support", "play video", "visit our help",
];

/// The furniture phrases of help-centre widgets and page navigation (no cookie banner): what
/// stands between two of them is the widget's or the menu's.
#[rustfmt::skip]
const WIDGET_MARKERS: &[&str] = &[
    "i have a different question", "related articles", "related questions", "was this helpful",
    "share this article", "copy link", "skip to", "back to top", "return to top", "other languages",
    "table of contents", "help center", "help centre", "tengo otra pregunta", "tenho uma pergunta diferente",
    "ho un altra domanda", "j ai une autre question", "ich habe eine andere frage",
];

/// A short clause that is a help-centre widget or navigation ("Copy link", "I have a different
/// question"): what stands between two of them is the widget's or the menu's.
pub fn is_widget_marker(canon: &str) -> bool {
    words(canon).count() <= 8 && WIDGET_MARKERS.iter().any(|m| contains_phrase(canon, m))
}

/// Furniture words that only mark a very short clause ("1.2k views", "Learn more", "Log in").
const SHORT_FURNITURE_MARKERS: &[&str] =
    &["views", "learn more", "read more", "sign up", "log in", "login", "download", "share", "print", "menu"];

/// Words of a "last updated" or "effective" line, in the tracked languages.
#[rustfmt::skip]
const DATE_LINE_WORDS: &[&str] = &[
    "updated", "update", "effective", "revised", "modified", "version", "ago", "yesterday", "today", "stand",
    "aktualisiert", "gültig", "vigueur", "jour", "actualizado", "vigor", "aggiornato", "atualizado",
    "bijgewerkt",
];

#[rustfmt::skip]
const MONTHS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
    "novembre", "décembre", "januar", "februar", "märz", "juni", "juli", "oktober", "dezember", "enero",
    "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre",
    "diciembre",
];

/// Places whose addition to or removal from a list changes who or where the terms cover: US
/// states and the countries most terms name.
#[rustfmt::skip]
const PLACES: &[&str] = &[
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware",
    "florida", "georgia", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky", "louisiana",
    "maine", "maryland", "massachusetts", "michigan", "minnesota", "mississippi", "missouri", "montana",
    "nebraska", "nevada", "ohio", "oklahoma", "oregon", "pennsylvania", "tennessee", "texas", "utah",
    "vermont", "virginia", "washington", "wisconsin", "wyoming", "hampshire", "jersey", "mexico", "carolina",
    "dakota", "rhode", "ireland", "germany", "france", "italy", "spain", "portugal", "netherlands", "belgium",
    "luxembourg", "austria", "switzerland", "sweden", "denmark", "norway", "finland", "poland", "romania",
    "greece", "cyprus", "malta", "singapore", "china", "japan", "korea", "india", "brazil", "canada",
    "australia", "kingdom", "england", "scotland", "delaware", "quebec", "ontario", "türkiye", "turkey",
    "israel", "russia", "ukraine",
];

/// Any language's obligation word (for deciding which words are content).
pub fn is_obligation_word(w: &str) -> bool {
    OBLIGATION_WORDS.contains(&w) || OTHER_OBLIGATION_WORDS.contains(&w)
}

/// An obligation word of a document in `lang` (English words always count).
pub fn is_obligation_word_in(w: &str, lang: Option<&str>) -> bool {
    OBLIGATION_WORDS.contains(&w) || (lang != Some("en") && OTHER_OBLIGATION_WORDS.contains(&w))
}

pub fn is_function_word(w: &str) -> bool {
    FUNCTION_WORDS.contains(&w)
}

pub fn is_place(w: &str) -> bool {
    PLACES.contains(&w)
}

/// Words that, shortly before a place name, make it part of a postal address.
const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "rue",
    "avenue",
    "ave",
    "boulevard",
    "blvd",
    "road",
    "rd",
    "suite",
    "floor",
    "platz",
    "straße",
    "strasse",
    "str",
    "via",
    "calle",
    "lane",
    "drive",
    "parkway",
    "way",
    "square",
    "building",
    "box",
    "allée",
    "quai",
    "cedex",
    "place",
    "plaza",
];

/// Whether `place` (a canonical place word) occurs in `raw` only inside postal addresses (None
/// when it does not occur): each occurrence has a street word or a postcode-like number (4 to 6
/// digits) in the few words before it, or names a street itself (a house number before it and
/// a street word right after: "650 California St"). A company's address is a contact detail; a
/// place anywhere else (governing law, venue, who the customer is) is not.
pub fn place_only_in_addresses(raw: &str, place: &str) -> Option<bool> {
    let tokens: Vec<String> = raw
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|t| !t.is_empty())
        .map(|t| t.to_lowercase())
        .collect();
    let mut seen = false;
    for (i, t) in tokens.iter().enumerate() {
        if t != place {
            continue;
        }
        seen = true;
        let before = &tokens[i.saturating_sub(6)..i];
        let postcode = |w: &String| (4..=6).contains(&w.len()) && w.chars().all(|c| c.is_ascii_digit());
        let house_number = |w: &String| (1..=5).contains(&w.len()) && w.chars().all(|c| c.is_ascii_digit());
        let street_name = i > 0
            && house_number(&tokens[i - 1])
            && tokens.get(i + 1).is_some_and(|w| STREET_WORDS.contains(&w.as_str()));
        if !street_name && !before.iter().any(|w| postcode(w) || STREET_WORDS.contains(&w.as_str())) {
            return Some(false);
        }
    }
    seen.then_some(true)
}

/// A table row that lists a phone number in a cell of its own ("| Belgium | Centre de Prévention
/// du Suicide | 0800 32 123 |"): an entry of a directory of contacts (helplines, hotlines, local
/// offices), where a country names whom to call, not where a rule applies.
pub fn is_phone_row(raw: &str) -> bool {
    is_table_row(raw)
        && raw.split('|').any(|cell| {
            cell.split("<br>").any(|part| {
                let part = part.trim();
                let digits = part.chars().filter(char::is_ascii_digit).count();
                let phone_chars =
                    part.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'));
                phone_chars && digits >= 3 && !(part.len() == 4 && is_year(part))
            })
        })
}

/// A line of a Markdown table.
pub fn is_table_row(raw: &str) -> bool {
    raw.trim_start().starts_with('|')
}

fn is_number(w: &str) -> bool {
    !w.is_empty() && w.chars().all(|c| c.is_ascii_digit())
}

pub fn is_year(w: &str) -> bool {
    w.len() == 4 && (w.starts_with("19") || w.starts_with("20")) && is_number(w)
}

/// A word that only ever appears in dates ("12", "2024", "march", "1st").
pub fn is_date_word(w: &str) -> bool {
    (is_number(w) && w.len() <= 4)
        || MONTHS.contains(&w)
        || matches!(w, "st" | "nd" | "rd" | "th" | "er")
        || (w.len() <= 4 && w.ends_with("th") && w[..w.len() - 2].chars().all(|c| c.is_ascii_digit()))
}

fn words(canon: &str) -> impl Iterator<Item = &str> {
    canon.split(' ').filter(|w| !w.is_empty())
}

/// A clause that only states when the document was updated or takes effect ("Last updated:
/// 5 days ago", "Effective as of 1 March 2026", "Stand 13.03.2024").
pub fn is_date_line(canon: &str) -> bool {
    let ws: Vec<&str> = words(canon).collect();
    if ws.is_empty() || ws.len() > 14 {
        return false;
    }
    let dated = ws.iter().any(|w| is_date_word(w) || matches!(*w, "ago" | "yesterday" | "today"));
    let keyword = ws.iter().any(|w| DATE_LINE_WORDS.contains(w) || *w == "last");
    let rest = ws
        .iter()
        .filter(|w| {
            !is_date_word(w)
                && !DATE_LINE_WORDS.contains(w)
                && !is_function_word(w)
                && !matches!(**w, "last" | "hours" | "hour" | "days" | "day" | "minutes" | "weeks" | "months")
        })
        .count();
    // "Effective date outside the EEA: 13 March 2024": a line that opens with the keyword.
    let leads = matches!(ws[0], "effective" | "updated" | "revised" | "modified" | "stand" | "version")
        || (ws[0] == "last" && ws.get(1).is_some_and(|w| matches!(*w, "updated" | "modified" | "revised" | "update")));
    dated && keyword && (rest <= 3 || leads)
}

/// Page furniture: a short clause of a cookie banner, widget or navigation, a bare question of a
/// help-centre "related questions" list, or a clause made only of link or image text.
pub fn is_furniture(text: &str, canon: &str) -> bool {
    let n = words(canon).count();
    // No word of three letters: a page number, a version code, a bullet.
    if n == 0 || !words(canon).any(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3) {
        return true;
    }
    let t = text.trim().trim_start_matches(['*', '-', '+', '•', ' ', '#']);
    // A clause that is one link or image and nothing else (navigation, "learn more" lists).
    if (t.starts_with('[') || t.starts_with("![")) && !strip_links(t).chars().any(char::is_alphanumeric) {
        return true;
    }
    // A short question standing alone (a help widget's "Why was my content rejected?", bold
    // or not): it asks, it states no term; its answer, if any, is read as text.
    let end = t.trim_end().trim_end_matches(['*', '_', ' ']);
    if n <= 12 && end.ends_with('?') {
        return true;
    }
    // A breadcrumb trail ("Help Center > Privacy > Cookies", "Security and Privacy &gt;").
    let separators = t.matches(" > ").count() + t.matches(" &gt; ").count() + t.matches(" › ").count();
    if n <= 12 && (separators >= 2 || end.ends_with(" >") || end.ends_with("&gt;") || end.ends_with(" ›")) {
        return true;
    }
    if is_flattened_menu(t) {
        return true;
    }
    if is_language_switcher(t, canon, n) {
        return true;
    }
    if is_help_topic(end, canon, n) {
        return true;
    }
    if n <= 25 && FURNITURE_MARKERS.iter().chain(WIDGET_MARKERS).any(|m| contains_phrase(canon, m)) {
        return true;
    }
    n <= 6 && SHORT_FURNITURE_MARKERS.iter().any(|m| contains_phrase(canon, m))
}

/// A navigation menu whose entries a capture glued together ("Creator AcademyHomeVideo
/// coursesArticlesGet startedBecome a Creator…"): four or more words where a lowercase run of
/// three letters or more runs straight into a capitalised word. Brand names glue shorter runs
/// ("YouTube", "TikTok", "LinkedIn") or only one ("WhatsApp"), and rarely four in a clause.
fn is_flattened_menu(t: &str) -> bool {
    let glued = |w: &str| {
        let cs: Vec<char> = w.chars().collect();
        (3..cs.len().saturating_sub(2)).any(|i| {
            cs[i].is_uppercase()
                && cs[i + 1].is_lowercase()
                && cs[i + 2].is_lowercase()
                && cs[i - 3..i].iter().all(|c| c.is_lowercase())
        })
    };
    // Link targets and titles ("…/Special:CentralAuth/Name") are addresses, not glued words.
    let address = |w: &str| w.contains(['/', ':', '(', ')', '"']);
    t.split_whitespace().filter(|w| w.len() >= 6 && !address(w) && glued(w)).count() >= 4
}

/// Languages by their own names, as a page's language switcher lists them.
#[rustfmt::skip]
const LANGUAGE_AUTONYMS: &[&str] = &[
    "english", "français", "deutsch", "español", "italiano", "português", "nederlands", "polski",
    "dansk", "svenska", "norsk", "suomi", "čeština", "magyar", "română", "ελληνικά", "български",
    "русский", "українська", "türkçe", "slovenčina", "hrvatski", "slovenščina", "lietuvių", "latviešu",
    "eesti", "català", "日本語", "한국어", "中文", "简体中文", "繁體中文", "العربية", "עברית", "हिन्दी",
];

/// A language switcher or one of its entries: "Français (France)", "English (US)", or a run
/// of languages ("Change language or region: България - български Česko - čeština …").
fn is_language_switcher(t: &str, canon: &str, n: usize) -> bool {
    let autonyms = words(canon).filter(|w| LANGUAGE_AUTONYMS.contains(w)).count();
    if autonyms >= 3 && autonyms * 5 >= n {
        return true;
    }
    let first_is_language = words(canon).next().is_some_and(|w| LANGUAGE_AUTONYMS.contains(&w));
    // One entry: the language, then at most its region in brackets.
    first_is_language && n <= 4 && {
        let rest = t.split_once(char::is_whitespace).map_or("", |(_, r)| r.trim());
        rest.is_empty() || (rest.starts_with('(') && rest.ends_with(')'))
    }
}

/// A help centre's topic line, as its "related questions" widget lists them: a short fragment
/// in the reader's own voice with no sentence ending ("My content was not monetized", "I
/// reported content by mistake", "Cancel my copyright report"). Terms speak to "you" and end
/// their sentences; a line that names personal data or selling it ("Do Not Sell My Personal
/// Information") stays text, as it may be the opt-out a law requires.
fn is_help_topic(end: &str, canon: &str, n: usize) -> bool {
    if n > 8 || end.ends_with(['.', '!', ';', ':', ',']) {
        return false;
    }
    let first_person = words(canon).any(|w| matches!(w, "i" | "my" | "me"));
    first_person && !["personal", "sell", "share", "opt", "data"].iter().any(|w| contains_phrase(canon, w))
}

fn strip_links(t: &str) -> String {
    // Removes `[text](target)` and `![alt](target)` wholesale.
    let mut out = String::new();
    let mut rest = t;
    while let Some(i) = rest.find('[') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let close = |j: usize| {
            crate::text::link_target_end(&after.as_bytes()[j + 2..])
                .map(|k| j + 2 + k + 1)
                .or_else(|| after[j..].find(')').map(|k| j + k + 1))
        };
        match after.find("](").and_then(close) {
            Some(end) => rest = &after[end..],
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.replace('!', "")
}

/// `phrase` (canonical words) occurs on word boundaries in `padded`, a canonical text with a
/// space added at each end: `contains_phrase` without allocating, for checks of many phrases.
fn in_padded(padded: &str, phrase: &str) -> bool {
    let b = padded.as_bytes();
    padded.match_indices(phrase).any(|(i, _)| i > 0 && b[i - 1] == b' ' && b.get(i + phrase.len()) == Some(&b' '))
}

/// `phrase` (canonical words) occurs in `canon` on word boundaries.
pub fn contains_phrase(canon: &str, phrase: &str) -> bool {
    let hay = format!(" {canon} ");
    hay.contains(&format!(" {phrase} "))
}

pub fn has_error_marker(canon: &str) -> bool {
    ERROR_MARKERS.iter().any(|m| contains_phrase(canon, m))
}

/// Stop-word profiles for telling which language a text is in.
const LANGUAGE_PROFILES: &[(&str, &[&str])] = &[
    ("en", &["the", "and", "of", "to", "you", "your", "we", "is", "are", "for", "with", "that", "this", "or"]),
    ("fr", &["le", "la", "les", "des", "et", "vous", "nous", "est", "pour", "avec", "une", "sur", "dans", "du"]),
    ("de", &["der", "die", "das", "und", "sie", "wir", "ist", "für", "mit", "eine", "von", "zu", "auf", "den"]),
    ("es", &["el", "los", "las", "y", "usted", "nosotros", "es", "para", "con", "una", "por", "del", "su", "que"]),
    ("it", &["il", "gli", "e", "di", "che", "per", "con", "una", "sono", "della", "del", "non", "al", "si"]),
    ("pt", &["o", "os", "as", "e", "do", "da", "que", "para", "com", "uma", "não", "dos", "você", "seu"]),
    ("nl", &["de", "het", "en", "van", "je", "wij", "is", "voor", "met", "een", "op", "niet", "u", "uw"]),
    ("pl", &["i", "w", "z", "na", "do", "nie", "się", "jest", "że", "lub", "oraz", "dla", "przez", "od"]),
    ("ro", &["și", "de", "la", "în", "cu", "pentru", "sau", "este", "pe", "din", "care", "nu", "să", "prin"]),
    ("sv", &["och", "att", "det", "som", "en", "på", "är", "för", "med", "av", "till", "den", "om", "inte"]),
];

/// The most likely language of a canonical text, when enough of its words are stop words.
pub fn language(canon: &str) -> Option<&'static str> {
    language_of(words(canon))
}

/// `language` of a text already split into canonical words.
pub fn language_of<'a>(words: impl Iterator<Item = &'a str>) -> Option<&'static str> {
    language_ahead(words, 2.0)
}

/// The language of a long block of text (a hundred words or more), where a lead of `ahead`
/// times the runner-up's count suffices: Spanish shares function words with its neighbours
/// ("de", "la", "en", "que"), so its lead over them is smaller than English's.
pub fn language_ahead<'a>(words: impl Iterator<Item = &'a str>, ahead: f64) -> Option<&'static str> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut total = 0;
    for w in words {
        total += 1;
        for (lang, stops) in LANGUAGE_PROFILES {
            if stops.contains(&w) {
                *counts.entry(lang).or_default() += 1;
            }
        }
    }
    let (lang, best) = counts.iter().max_by_key(|(_, c)| **c)?;
    let second = counts.iter().filter(|(l, _)| *l != lang).map(|(_, c)| *c).max().unwrap_or(0);
    // Enough evidence, and clearly ahead of the runner-up.
    (*best >= 3 && *best * 10 >= total && *best as f64 >= ahead * second as f64).then_some(*lang)
}

/// British and American spellings, and other variants that do not change a word's meaning,
/// map to one form ("authorised" and "authorized", "behaviour" and "behavior").
pub fn spelling_key(w: &str) -> String {
    let mut s = w.to_string();
    for (from, to) in [
        ("isation", "ization"),
        ("ising", "izing"),
        ("ised", "ized"),
        ("ise", "ize"),
        ("yse", "yze"),
        ("ysed", "yzed"),
        ("our", "or"),
        ("ours", "ors"),
        ("tre", "ter"),
        ("ence", "ense"),
        ("lled", "led"),
        ("lling", "ling"),
    ] {
        if let Some(stem) = s.strip_suffix(from) {
            if stem.len() >= 3 {
                s = format!("{stem}{to}");
                break;
            }
        }
    }
    match s.as_str() {
        "one" => "1".into(),
        "two" => "2".into(),
        "three" => "3".into(),
        "four" => "4".into(),
        "five" => "5".into(),
        "six" => "6".into(),
        "seven" => "7".into(),
        "eight" => "8".into(),
        "nine" => "9".into(),
        "ten" => "10".into(),
        "eleven" => "11".into(),
        "twelve" => "12".into(),
        "fourteen" => "14".into(),
        "fifteen" => "15".into(),
        "twenty" => "20".into(),
        "thirty" => "30".into(),
        "sixty" => "60".into(),
        "ninety" => "90".into(),
        "amongst" => "among".into(),
        "whilst" => "while".into(),
        "towards" => "toward".into(),
        "programme" => "program".into(),
        "cheque" => "check".into(),
        "enquiry" => "inquiry".into(),
        _ => s,
    }
}

/// Drops each word of `glued` that is the concatenation of two or three consecutive words of
/// `other_side` (all words of the other version of the clause), and those parts from `split`.
fn unglue(glued: &mut Vec<String>, split: &mut Vec<String>, other_side: Vec<&str>) {
    if glued.is_empty() || other_side.len() < 2 {
        return;
    }
    // Every concatenation of two or three consecutive words, indexed once.
    let mut joins: std::collections::HashMap<String, (usize, usize)> = std::collections::HashMap::new();
    for start in 0..other_side.len() {
        let mut joined = String::from(other_side[start]);
        for len in 2..=3 {
            let Some(part) = other_side.get(start + len - 1) else { break };
            joined.push_str(part);
            joins.entry(joined.clone()).or_insert((start, len));
        }
    }
    let mut i = 0;
    while i < glued.len() {
        match joins.get(glued[i].as_str()) {
            Some(&(start, len)) => {
                glued.remove(i);
                for p in &other_side[start..start + len] {
                    let key = spelling_key(p);
                    if let Some(j) = split.iter().position(|x| *x == key) {
                        split.remove(j);
                    }
                }
            }
            None => i += 1,
        }
    }
}

/// Levenshtein distance, capped: only small distances matter (typo fixes).
fn close(a: &str, b: &str) -> bool {
    // Byte lengths bound char lengths closely enough to skip most pairs before allocating.
    if a.len().min(b.len()) < 6 || a.len().abs_diff(b.len()) > 4 {
        return false;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().min(b.len()) < 6 || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()] <= 1
}

/// Above this many (removed × added) word pairs, typo fixes are not looked for.
const MAX_TYPO_PAIRS: usize = 40_000;

/// The words of `removed` and `added` that differ in meaning: multiset difference after
/// spelling variants are merged, function words dropped and one-letter typo fixes paired.
pub fn content_changes(removed: &[&str], added: &[&str]) -> (Vec<String>, Vec<String>) {
    let count = |ws: &[&str]| {
        let mut m: BTreeMap<String, i64> = BTreeMap::new();
        let single_letter = |w: &str| w.chars().count() == 1 && !w.chars().all(|c| c.is_ascii_digit());
        // HTML entities left in a capture's text ("agents,&nbsp;") are markup, not words.
        let entity = |w: &str| {
            matches!(w, "nbsp" | "amp" | "quot" | "apos" | "lt" | "gt" | "zwnj" | "zwj" | "shy" | "lrm" | "rlm")
        };
        for w in
            ws.iter().filter(|w| (!is_function_word(w) || is_obligation_word(w)) && !single_letter(w) && !entity(w))
        {
            *m.entry(spelling_key(w)).or_default() += 1;
        }
        m
    };
    let (r, a) = (count(removed), count(added));
    let keys: BTreeSet<&String> = r.keys().chain(a.keys()).collect();
    let (mut gone, mut new) = (Vec::new(), Vec::new());
    for k in keys {
        let d = a.get(k).copied().unwrap_or(0) - r.get(k).copied().unwrap_or(0);
        for _ in 0..d.unsigned_abs() {
            if d > 0 {
                new.push(k.clone());
            } else {
                gone.push(k.clone());
            }
        }
    }
    // Words glued or split by an extraction ("formalie" / "formali e", "seewhen" / "see when").
    unglue(&mut gone, &mut new, added.iter().chain(removed.iter()).copied().collect());
    unglue(&mut new, &mut gone, removed.iter().chain(added.iter()).copied().collect());
    // Pair one-letter typo fixes ("functionality" / "functionaltiy" is two letters: kept).
    // A rewrite this large is not a typo fix: skip the quadratic pairing.
    if gone.len() * new.len() > MAX_TYPO_PAIRS {
        return (gone, new);
    }
    let mut i = 0;
    while i < gone.len() {
        if let Some(j) = new.iter().position(|n| close(&gone[i], n)) {
            new.remove(j);
            gone.remove(i);
        } else {
            i += 1;
        }
    }
    (gone, new)
}

/// An illustrative example rather than a rule ("E.g. ...", "For example, ...", a quoted post).
pub fn is_example(text: &str) -> bool {
    let t = text.trim().trim_start_matches(['*', '-', '+', '•', ' ']).trim_start();
    let lower = t.to_lowercase();
    lower.starts_with("e.g.")
        || lower.starts_with("eg ")
        || lower.starts_with("for example")
        || lower.starts_with("for instance")
        || lower.starts_with("example:")
        || lower.starts_with("examples:")
        || (t.starts_with(['“', '"', '«']) && t.trim_end_matches(['.', ' ']).ends_with(['”', '"', '»']))
}

/// For clauses in document order: which belong to an example — an example clause, and the
/// sentences of a quotation it opens, up to the clause that closes it.
pub fn example_flags<'a>(clauses: impl Iterator<Item = &'a str>) -> Vec<bool> {
    let mut depth = 0usize;
    clauses
        .map(|t| {
            let example = depth > 0 || is_example(t);
            if example {
                let (opens, closes) = (t.matches(['“', '«']).count(), t.matches(['”', '»']).count());
                depth = (depth + opens).saturating_sub(closes);
            }
            example
        })
        .collect()
}

/// A pointer to another document or page ("Learn more about your rights by reviewing the
/// [Regional Privacy Notice]", "For more information, see our [Cookie Policy]"), not a rule.
pub fn is_cross_reference(text: &str, canon: &str) -> bool {
    let has_link = text.contains("](") || text.contains("http");
    let n = words(canon).count();
    has_link
        && n <= 40
        && [
            "learn more",
            "for more information",
            "for more details",
            "please see",
            "please refer",
            "please read",
            "please review",
            "you can read",
            "read more",
            "read the",
            "more details",
            "find out more",
            "visit our",
            "visit the",
            "see our",
            "can be found on",
            "can be found in",
            "can be found at",
            "for further information",
            "for additional information",
            "more information is available",
            "further information is available",
            "click here to read",
            "click here to view",
            "click here to see",
        ]
        .iter()
        .any(|p| contains_phrase(canon, p))
}

/// The words of the e-mail addresses in a clause (and of a Cloudflare-style "[email protected]"
/// placeholder), as content words are keyed: contact details, not wording.
pub fn contact_words(raw: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for token in raw.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '<' | '>')) {
        let token = token.trim_start_matches("mailto:");
        if let Some((local, domain)) = token.split_once('@') {
            if !local.is_empty() && domain.contains('.') {
                for w in crate::text::canonical(token).split(' ').filter(|w| !w.is_empty()) {
                    out.insert(spelling_key(w));
                }
            }
        }
    }
    if crate::text::canonical(raw).contains("email protected") {
        out.insert(spelling_key("email"));
        out.insert(spelling_key("protected"));
    }
    out
}

/// Nouns that name a legal instrument ("these Limited Data Use *Terms*", "this *Plan*").
#[rustfmt::skip]
const INSTRUMENT_NOUNS: &[&str] = &[
    "terms", "policy", "policies", "agreement", "guidelines", "plan", "notice", "addendum", "conditions",
    "clauses", "standards", "rules", "statement", "principles", "code",
];

/// Whether a canonical word names a kind of document ("policy", "terms", "guidelines").
pub fn is_instrument_noun(w: &str) -> bool {
    INSTRUMENT_NOUNS.contains(&w)
}

/// Whether a canonical word marks a name as extending the document ("additional terms").
pub fn is_extending_word(w: &str) -> bool {
    EXTENDING_WORDS.contains(&w)
}

/// Qualifiers that extend the document itself rather than name another one ("these
/// Additional Terms").
#[rustfmt::skip]
const EXTENDING_WORDS: &[&str] = &[
    "additional", "supplemental", "supplementary", "new", "updated", "revised", "amended", "following", "above",
    "below",
];

/// The instruments a clause names itself by, from its raw text: "These Limited Data Use Terms
/// form a legally binding contract" gives "limited data use terms". A name is a run of
/// capitalised words (joined by "and", "of", "&") after "This" or "These" that ends in an
/// instrument noun and has a qualifier: a bare "these Terms" says nothing about which document
/// speaks, and a name that extends the document ("these Additional Terms") is the document's.
pub fn instrument_names(raw: &str) -> Vec<String> {
    let tokens: Vec<&str> = raw.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if !matches!(t.trim_matches(['*', '_']).to_lowercase().as_str(), "this" | "these") {
            continue;
        }
        // The run stops at an opening bracket or quote after its first word (“Transfer
        // Addendum”) and after a word that closes one.
        let mut run: Vec<String> = Vec::new();
        for (k, w) in tokens[i + 1..].iter().take(9).enumerate() {
            if k > 0 && w.starts_with(['(', '“', '"', '[', '«']) {
                break;
            }
            let word = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '&');
            let joins = matches!(word, "and" | "of" | "&");
            if word.is_empty() || !(joins || word.chars().next().is_some_and(char::is_uppercase)) {
                break;
            }
            run.push(word.to_lowercase());
            if w.ends_with([')', '”', '"', ']', '»', ',', '.', ':', ';']) {
                break;
            }
        }
        let Some(end) = run.iter().rposition(|w| INSTRUMENT_NOUNS.contains(&w.as_str())) else {
            continue;
        };
        let qualifiers = &run[..end];
        if qualifiers.is_empty()
            || qualifiers.iter().any(|q| EXTENDING_WORDS.contains(&q.as_str()))
            || matches!(qualifiers[0].as_str(), "and" | "of" | "&")
        {
            continue;
        }
        out.push(run[..=end].join(" "));
    }
    out
}

/// The small words a title keeps in lower case ("Law Enforcement *and* Disclosure Guidelines").
const TITLE_JOINS: &[&str] = &["and", "of", "&", "for", "on", "the", "to"];

/// The instrument a title line names: a short line of capitalised words that ends with an
/// instrument noun ("TikTok Shop Law Enforcement & Regulatory Disclosure Guidelines"). Not a
/// sentence, not a generic title ("Terms of Service" alone has no qualifier before its noun),
/// not one that extends the document ("Supplemental Terms").
pub fn titled_instrument(raw: &str) -> Option<String> {
    let t = raw.trim().trim_start_matches(['#', ' ']).trim_matches(['*', '_', ' ']);
    let tokens: Vec<&str> = t.split_whitespace().collect();
    if tokens.len() < 2 || tokens.len() > 12 || t.ends_with(['.', ':', '?', '!', ',', ';']) {
        return None;
    }
    let mut run: Vec<String> = Vec::new();
    for w in &tokens {
        let word = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '&');
        let joins = TITLE_JOINS.contains(&word);
        if word.is_empty() || !(joins || word.chars().next().is_some_and(|c| c.is_uppercase() || c.is_numeric())) {
            return None;
        }
        run.push(word.to_lowercase());
    }
    let last = run.last()?;
    if !INSTRUMENT_NOUNS.contains(&last.as_str()) {
        return None;
    }
    let qualifiers = &run[..run.len() - 1];
    let named =
        qualifiers.iter().any(|q| !TITLE_JOINS.contains(&q.as_str()) && !INSTRUMENT_NOUNS.contains(&q.as_str()));
    (named && !qualifiers.iter().any(|q| EXTENDING_WORDS.contains(&q.as_str()))).then(|| run.join(" "))
}

/// A clause that names the controller or the contracting party ("your data controller is …",
/// "these Terms are an agreement between you and …").
pub fn names_party(canon: &str) -> bool {
    [
        "controller",
        "contracting party",
        "contracting with",
        "contract with",
        "agreement between you and",
        "agreement is between",
        "terms are between",
        "an agreement between",
        "provider of the services is",
        "operated by",
    ]
    .iter()
    .any(|c| contains_phrase(canon, c))
}

/// A heading over rules: what is not allowed, prohibited, or required ("Do not post:",
/// "Other types of content that violates this policy", "Prohibited uses"), or over what the
/// document covers ("What Products does this policy cover?", "Scope"): an item added there
/// brings a product under the terms.
pub fn is_rule_heading(canon_heading: &str) -> bool {
    const CUES: &[&str] = &[
        "do not",
        "don t",
        "must not",
        "may not",
        "not allowed",
        "not permitted",
        "prohibited",
        "prohibits",
        "prohibition",
        "prohibitions",
        "violates",
        "violate",
        "violating",
        "violation",
        "violations",
        "forbidden",
        "restricted",
        "restrictions",
        "we remove",
        "you must",
        "you may not",
        "requirements",
        "banned",
        "scope",
        "does this policy cover",
        "what does it cover",
        "do these terms cover",
        "this policy covers",
        "these terms cover",
        "this policy applies to",
        "these terms apply to",
    ];
    CUES.iter().any(|c| contains_phrase(canon_heading, c))
}

/// A raw token keyed as content words are: letters and digits only, lowercase, spelling key.
fn token_key(t: &str) -> String {
    spelling_key(&t.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>())
}

/// Whether `word` (five letters or more) is part of a longer word of `text` (lowercase):
/// "fraud" in "defraud", "harass" in "harassment".
pub fn within_another_word(word: &str, text: &str) -> bool {
    word.chars().count() >= 5
        && text.split(|c: char| !c.is_alphanumeric()).any(|t| t.len() > word.len() && t.contains(word))
}

/// Whether `word` (as content words are keyed) stands in an enumeration of `text` (lowercase
/// raw text): after a comma, "or", "and" or "/" (or a word or two after one: "or *certain*
/// poisonous substances"), or just before one of them.
pub fn in_enumeration(text: &str, word: &str) -> bool {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    tokens.iter().enumerate().any(|(i, t)| {
        if token_key(t) != word {
            return false;
        }
        let after = tokens.get(i + 1).copied();
        let joins = |b: &&str| b.ends_with(',') || matches!(*b, "or" | "and" | "/");
        tokens[i.saturating_sub(2)..i].iter().any(joins)
            || t.ends_with(',')
            || after.is_some_and(|a| matches!(a, "or" | "and"))
    })
}

/// Whether `word` (as content words are keyed) leaves or joins a capitalised name of `text`
/// (raw text of the side it is on, case kept) and the rest of that name stands as a whole name
/// in `other` (the other side): "Apple Business Manager" → "Apple Business" renames a product;
/// it takes no item out of a list. A name added beside another ("in Wichita County or Tarrant
/// County") is no rename: "County" alone is no name of the other side.
pub fn renames_a_name(text: &str, other: &str, word: &str) -> bool {
    // Maximal runs of capitalised words; a word ending with a stop or a comma closes its run.
    let names = |t: &str| -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        let mut run: Vec<String> = Vec::new();
        for tok in t.split_whitespace() {
            let capital = tok.trim_start_matches(['*', '_', '“', '"', '(']).starts_with(char::is_uppercase);
            let key = token_key(tok);
            if capital && !key.is_empty() {
                run.push(key);
                if tok.ends_with([',', ';', ':', '.', ')', '”', '"']) {
                    out.push(std::mem::take(&mut run));
                }
            } else if !run.is_empty() {
                out.push(std::mem::take(&mut run));
            }
        }
        if !run.is_empty() {
            out.push(run);
        }
        out
    };
    let theirs = names(other);
    names(text).into_iter().any(|name| {
        if name.len() < 2 || !name.iter().any(|w| w == word) {
            return false;
        }
        let rest: Vec<String> = name.into_iter().filter(|w| w != word).collect();
        !rest.is_empty() && theirs.contains(&rest)
    })
}

/// Words that make the figure after them a report of the past ("Average response time: 1.1
/// days"), not a term.
pub const STATISTIC_WORDS: &[&str] = &["average", "median"];

/// Whether every sentence of `raw` that gives `number` as a percentage or an amount reports it
/// as an approximate figure of the past ("Over 70% of those disputes succeeded", "more than
/// $1 billion paid to creators"): an approximating word just before it ("over", "more than",
/// "nearly" …, not "no more than") and no modal in the sentence. A term states its own figure
/// exactly, or with a modal ("if the price rises by more than 5%, you may cancel").
pub fn only_reported_figures(raw: &str, number: &str) -> bool {
    const APPROXIMATE: &[&str] = &["over", "nearly", "almost", "approximately", "about", "around", "roughly"];
    const COMPARATIVE: &[&str] = &["more", "fewer", "less"];
    const MODAL: &[&str] =
        &["may", "must", "shall", "will", "can", "cannot", "should", "might", "need", "required", "agree", "allowed"];
    const CURRENCY: [char; 3] = ['€', '$', '£'];
    let mut seen = false;
    for sentence in raw.split_inclusive(['.', '?', '!', '\n']) {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        let is_the_number = |t: &str| {
            t.trim_start_matches(CURRENCY).trim_start_matches('(').trim_end_matches(|c: char| !c.is_alphanumeric())
                == number
        };
        let Some(at) = words.iter().position(|t| is_the_number(t)) else {
            continue;
        };
        let currency_sign = |t: &str| !t.is_empty() && t.chars().all(|c| CURRENCY.contains(&c));
        let is_figure = words[at].contains('%')
            || words[at].starts_with(CURRENCY)
            || words.get(at + 1).is_some_and(|t| t.starts_with(['%', '€']))
            || (at > 0 && currency_sign(words[at - 1]));
        if !is_figure {
            continue;
        }
        seen = true;
        let tokens: Vec<String> =
            words.iter().map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()).collect();
        let before = |k: usize| at.checked_sub(k).and_then(|i| tokens.get(i)).map(String::as_str);
        let approximate = before(1).is_some_and(|w| APPROXIMATE.contains(&w))
            || (before(1) == Some("than")
                && before(2).is_some_and(|w| COMPARATIVE.contains(&w))
                && !before(3).is_some_and(|w| w == "no" || w == "not"));
        if !approximate || tokens.iter().any(|t| MODAL.contains(&t.as_str())) {
            return false;
        }
    }
    seen
}

/// Words that look like modals but are not, rewritten so that no rule reads them as one:
/// "May" the month next to a day or a year ("30 May 2026", "May 30") becomes `maymonth`, so a
/// date change is not read as a permission; "No" before a number ("Colony No 2", "Reg. No.
/// 619028") abbreviates "number" and becomes `nonumber`, so an address is not a negation; "not"
/// after "did", "was", "were" or "had" tells the past and becomes `notpast`.
pub fn mark_false_modals(canon: String) -> String {
    // Cheap test first: this runs on every clause of every version compared.
    if !canon.split(' ').any(|w| w == "may" || w == "no" || w == "not" || w == "never") {
        return canon;
    }
    let ws: Vec<&str> = canon.split(' ').collect();
    let date_number = |w: Option<&&str>| w.is_some_and(|w| is_number(w) && (w.len() <= 2 || is_year(w)));
    let out: Vec<&str> = ws
        .iter()
        .enumerate()
        .map(|(i, w)| match *w {
            "may" if date_number(ws.get(i + 1)) || (i > 0 && date_number(ws.get(i - 1))) => "maymonth",
            "no" if ws.get(i + 1).is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit())) => "nonumber",
            // A negation in the past tense tells what happened ("claimants did not respond"),
            // it forbids nothing; "didn't" already reads so ("didn t").
            "not" if i > 0 && matches!(ws[i - 1], "did" | "was" | "were" | "had") => "notpast",
            // "has never been easier": a comparison in marketing prose, no promise.
            "never" if ws.get(i + 1) == Some(&"been") && ws.get(i + 2).is_some_and(|w| is_comparative(w)) => {
                "nevercompared"
            }
            _ => w,
        })
        .collect();
    out.join(" ")
}

/// A comparative adjective or adverb ("easier", "better", "more"), roughly: what follows
/// "never been" in marketing prose.
fn is_comparative(w: &str) -> bool {
    matches!(w, "more" | "better" | "less")
        || (w.len() >= 5 && w.ends_with("er") && !matches!(w, "under" | "after" | "together" | "whether"))
}

/// A canonical heading or clause without its leading number ("4 3 minimum age" → "minimum age").
pub fn without_numbering(canon: &str) -> &str {
    let mut rest = canon;
    while let Some((first, tail)) = rest.split_once(' ') {
        if is_number(first) {
            rest = tail;
        } else {
            break;
        }
    }
    rest
}

/// A note on the document's language versions: which one prevails when translations differ
/// ("In case of any discrepancy, the English language version shall prevail"), that
/// translations are for convenience, or which version is the reference. It settles how the text
/// is read, not what it grants or requires.
pub fn is_language_version_note(canon: &str) -> bool {
    let n = words(canon).count();
    if !(5..=60).contains(&n) {
        return false;
    }
    let padded = format!(" {canon} ");
    let has = |ws: &[&str]| ws.iter().any(|w| in_padded(&padded, w));
    let version = has(&["version", "versions", "fassung", "versión", "versao", "versione"]);
    let translation = has(&[
        "translation",
        "translations",
        "translated",
        "übersetzung",
        "übersetzungen",
        "traduction",
        "traductions",
        "traducción",
    ]);
    let language = translation
        || has(&[
            "english",
            "language",
            "languages",
            "french",
            "german",
            "spanish",
            "italian",
            "portuguese",
            "dutch",
            "polish",
            "française",
            "francaise",
            "deutsche",
            "englische",
            "española",
            "inglés",
        ]);
    let prevails = has(&[
        "prevail",
        "prevails",
        "shall govern",
        "will govern",
        "shall control",
        "will control",
        "controls",
        "take precedence",
        "takes precedence",
        "prévaudra",
        "prévaut",
        "fait foi",
        "maßgeblich",
        "massgeblich",
        "vorrang",
        "prevalecerá",
        "prevalece",
        "prevarrà",
    ]);
    let reference = has(&[
        "of reference",
        "reference version",
        "authoritative",
        "legally binding version",
        "binding version",
        "official version",
    ]);
    let convenience = has(&[
        "for convenience",
        "for your convenience",
        "convenience only",
        "for information purposes",
        "for informational purposes",
    ]);
    ((version || translation) && language && (prevails || reference)) || (translation && convenience)
}

/// A clause addressed to authorities about how to reach the provider: a Digital Services Act
/// point of contact or legal representative ("Competent authorities of the EU … that want to
/// contact Bluesky under the Digital Services Act can obtain the necessary contact details
/// from …", "If you are not a competent EU authority, your request will not be processed").
/// Contact details for regulators, not a term for users. Not a clause about what the provider
/// discloses to authorities ("we share your data with authorities on request").
pub fn is_authority_contact(canon: &str) -> bool {
    let padded = format!(" {canon} ");
    let has = |ws: &[&str]| ws.iter().any(|w| in_padded(&padded, w));
    let authorities = has(&[
        "authority",
        "authorities",
        "regulators",
        "regulatory bodies",
        "european commission",
        "member states",
        "member state",
        "board for digital services",
    ]);
    if !authorities
        || has(&[
            "your data",
            "your information",
            "your personal",
            "personal data",
            "personal information",
            "disclose",
            "share",
            "shared",
        ])
    {
        return false;
    }
    let dsa = has(&["digital services act", "dsa"]);
    let reach = has(&[
        "contact",
        "contacted",
        "correspondence",
        "communications",
        "inquiries",
        "enquiries",
        "requests",
        "request",
        "representative",
    ]);
    has(&["point of contact"]) || (dsa && reach) || (has(&["competent"]) && reach)
}

/// A notice that the document is being or was updated: it announces a change (the change
/// itself is in the text, now or in a later version).
pub fn is_update_notice(canon: &str) -> bool {
    const CUES: &[&str] = &[
        "we are updating our",
        "we re updating our",
        "we have updated our",
        "we ve updated our",
        "we are introducing an update",
        "updates go into effect",
        "update will be effective",
        "changes take effect on",
        "will take effect on",
        "will go into effect",
        "before they go into effect",
        "review this update",
        "no action required",
        "no action is required",
        "you can preview",
        "preview the updated",
        "read the new terms",
        "for the version effective until",
        "previous privacy policy",
        "the following privacy policy will take effect",
        "this page is the updated",
        "reflect our updated",
        "reflects our updated",
        // A changelog note: it describes the change, the change itself is in the text.
        "the most recent update to",
        "the latest update to",
        "no other changes were made",
        "no other changes have been made",
        "summary of changes",
        "this update introduces",
    ];
    let n = canon.split(' ').count();
    n <= 60 && CUES.iter().any(|c| contains_phrase(canon, c))
}

/// Data-practice words: a list entry holding one of these is about what is collected, shared,
/// kept or used.
#[rustfmt::skip]
pub const DATA_CUES: &[&str] = &[
    "share", "shared", "sell", "sold", "collect", "collected", "disclose", "disclosed", "retain", "retained",
    "retention", "delete", "deleted", "train", "training", "consent", "opt", "advertising", "ads",
    "biometric", "location", "transfer", "transferred", "profiling", "automated", "sensitive", "children",
    "minors", "content", "partenaires", "weitergabe", "partners", "third", "affiliates",
];

/// Canonical text of `raw` with bare URLs removed (link texts that are URLs carry no meaning).
pub fn canonical_without_urls(raw: &str) -> String {
    let kept: Vec<&str> = raw.split_whitespace().filter(|t| !t.contains("://") && !t.starts_with("www.")).collect();
    crate::text::canonical(&kept.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::canonical;

    #[test]
    fn a_quoted_example_spans_the_sentences_up_to_its_closing_quote() {
        let clauses = [
            "Condemnation includes disapproval and criticism.",
            "* E.g. “I feel disgusted by the crime.",
            "The judge’s words resonated.",
            "He should get no mercy by the court”",
            "We thus require people to indicate their intent.",
            "For example, a news report.",
        ];
        assert_eq!(example_flags(clauses.into_iter()), vec![false, true, true, true, false, true]);
    }

    #[test]
    fn date_lines() {
        for l in [
            "Last updated: 5 days ago",
            "Updated: yesterday",
            "Effective as of June 12, 2026",
            "The Terms were last updated on: 17 June 2026",
            "Stand 13.03.2024",
            "Version n°5 en vigueur au 30 septembre 2021",
            "Effective Date outside EEA, UK, and Switzerland: March 13, 2024",
        ] {
            assert!(is_date_line(&canonical(l)), "{l}");
        }
        for l in ["You can request a refund within 14 days of purchase.", "We keep logs for 30 days."] {
            assert!(!is_date_line(&canonical(l)), "{l}");
        }
    }

    #[test]
    fn furniture() {
        for l in [
            "We'd like to use cookies to remember your preferences. Accept all cookies",
            "What is a valid subpoena?",
            "I have a different question",
            "[Learn more](https://example.test/x)",
            "Chat with Meta AI support assistant",
            "![](https://img.test/a.png)",
            "2024.1.0-IT",
            "Table of Contents",
        ] {
            assert!(is_furniture(l, &canonical(l)), "{l}");
        }
        for l in [
            "You may not use the service to generate political campaign material.",
            "Ohio",
            "We share your data with advertisers unless you opt out.",
        ] {
            assert!(!is_furniture(l, &canonical(l)), "{l}");
        }
    }

    #[test]
    fn languages() {
        assert_eq!(
            language(&canonical(
                "We collect your data and share it with the partners that you choose for this service."
            )),
            Some("en")
        );
        assert_eq!(language(&canonical("Nous collectons vos données et les partageons avec les partenaires que vous choisissez pour le service.")), Some("fr"));
        assert_eq!(
            language(&canonical(
                "Wir erheben Ihre Daten und geben sie an die Partner weiter, die Sie für den Dienst auswählen."
            )),
            Some("de")
        );
        assert_eq!(language("ohio"), None);
    }

    #[test]
    fn spelling_variants_and_function_words_are_not_content() {
        let (gone, new) = content_changes(
            &["authorised", "such", "as", "amongst", "behaviour", "that"],
            &["authorized", "like", "among", "behavior"],
        );
        assert!(gone.is_empty() && new.is_empty(), "{gone:?} {new:?}");
        let (gone, new) = content_changes(&["may"], &["must"]);
        assert_eq!((gone, new), (vec!["may".to_string()], vec!["must".to_string()]));
    }

    #[test]
    fn html_entities_left_in_text_are_no_words() {
        let (gone, came) = content_changes(&["agents", "third", "party"], &["agents", "nbsp", "third", "party", "amp"]);
        assert!(gone.is_empty() && came.is_empty(), "{gone:?} {came:?}");
    }

    #[test]
    fn glued_words_and_number_words() {
        let (gone, new) = content_changes(&["prodotti", "formalie", "non"], &["prodotti", "formali", "e", "non"]);
        assert!(gone.is_empty() && new.is_empty(), "{gone:?} {new:?}");
        let (gone, new) = content_changes(&["lasts", "for", "ten", "years"], &["lasts", "for", "10", "years"]);
        assert!(gone.is_empty() && new.is_empty(), "{gone:?} {new:?}");
    }

    #[test]
    fn error_pages() {
        assert!(has_error_marker(&canonical("This page isn’t available. An unexpected error has occurred.")));
        assert!(!has_error_marker(&canonical("We remove pages that are not available to the public.")));
    }
}
