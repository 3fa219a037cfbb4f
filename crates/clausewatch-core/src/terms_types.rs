//! Terms types: Open Terms Archive's type names (facts, kept here in our own list), plus the
//! types AI platforms need.

/// The terms types Open Terms Archive names, followed by our AI-specific additions.
pub const TERMS_TYPES: &[&str] = &[
    "Terms of Service",
    "Privacy Policy",
    "Imprint",
    "Trackers Policy",
    "Developer Terms",
    "Community Guidelines",
    "Deceased Users",
    "Acceptable Use Policy",
    "Restricted Use Policy",
    "Commercial Terms",
    "Copyright Claims Policy",
    "Law Enforcement Guidelines",
    "Human Rights Policy",
    "In-App Purchases Policy",
    "Review Guidelines",
    "Brand Guidelines",
    "Quality Guidelines",
    "Data Controller Agreement",
    "Data Processor Agreement",
    "User Consent Policy",
    "Closed Captioning Policy",
    "Seller Warranty",
    "Single Sign-On Policy",
    "Vulnerability Disclosure Policy",
    "Live Policy",
    "Complaints Policy",
    "Conditions of Carriage",
    "General Conditions of Sale",
    "Marketplace Buyers Conditions",
    "Marketplace Sellers Conditions",
    "Ranking Parameters Description",
    "Premium Partner Conditions",
    "Platform to Business Notice",
    "Business Mediation Policy",
    "Business Privacy Policy",
    "Editorial Policy",
    "Anti-corruption Policy",
    "Accessibility Statement",
    "Hyperlinks Policy",
    "Whistleblower Policy",
    "Affiliate Agreement",
    "Service Level Agreement",
    "Content Monetisation Policy",
    "Advertising Content Policy",
    // Our additions for AI platforms.
    "Model Usage Policy",
    "AI Usage Policy",
];

pub fn is_known_terms_type(name: &str) -> bool {
    TERMS_TYPES.contains(&name)
}

/// What a document of a terms type calls itself in its title, lower case: the type's own name
/// first, then the names platforms commonly use for it ("Cookie Policy" for a trackers policy).
/// Used to pick the document out of a page that holds several.
pub fn title_names(terms_type: &str) -> Vec<String> {
    let others: &[&str] = match terms_type {
        // Then the usual titles in German, French, Spanish, Italian, Portuguese and Dutch.
        "Terms of Service" => &[
            "terms of use",
            "terms and conditions",
            "terms & conditions",
            "user agreement",
            "conditions of use",
            "nutzungsbedingungen",
            "allgemeine geschäftsbedingungen",
            "conditions générales",
            "conditions d’utilisation",
            "términos y condiciones",
            "términos de servicio",
            "condiciones de uso",
            "termini e condizioni",
            "termini di servizio",
            "termos de uso",
            "termos de serviço",
            "termos e condições",
            "gebruiksvoorwaarden",
            "algemene voorwaarden",
        ],
        "Privacy Policy" => &[
            "privacy notice",
            "privacy statement",
            "data policy",
            "datenschutzerklärung",
            "datenschutzhinweise",
            "politique de confidentialité",
            "política de privacidad",
            "informativa sulla privacy",
            "política de privacidade",
            "privacyverklaring",
            "privacybeleid",
        ],
        "Trackers Policy" => &[
            "cookie policy",
            "cookies policy",
            "cookie notice",
            "cookies notice",
            "cookie statement",
            "cookie-richtlinie",
            "politique relative aux cookies",
            "politique de cookies",
            "política de cookies",
            "informativa sui cookie",
            "cookiebeleid",
        ],
        "Acceptable Use Policy" => &["usage policy", "usage policies", "use policy"],
        "Data Processor Agreement" => &["data processing addendum", "data processing agreement", "processor terms"],
        "Data Controller Agreement" => &["controller terms", "data sharing agreement"],
        "Imprint" => &["impressum", "legal notice", "legal notices", "mentions légales", "aviso legal", "note legali"],
        "Developer Terms" => &["developer agreement", "api terms", "api terms of use"],
        "Commercial Terms" => &["business terms", "enterprise terms", "commercial terms of service"],
        "Community Guidelines" => &["community standards", "community rules"],
        "Copyright Claims Policy" => &["copyright policy", "dmca policy", "intellectual property policy"],
        "Law Enforcement Guidelines" => &["law enforcement requests", "government requests"],
        "Model Usage Policy" => &["model use policy"],
        "AI Usage Policy" => &["ai use policy", "ai policy"],
        _ => &[],
    };
    std::iter::once(terms_type.to_lowercase()).chain(others.iter().map(|s| s.to_string())).collect()
}

/// A file- and URL-friendly slug of a name ("Terms of Service" -> "terms-of-service").
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Terms of Service"), "terms-of-service");
        assert_eq!(slug("  Le Chat!! "), "le-chat");
        assert!(is_known_terms_type("Privacy Policy"));
        assert!(!is_known_terms_type("privacy policy"));
    }
}
