//! Keeping credentials out of messages. A registry or API that answers an
//! error may quote the request back, credentials included, and not
//! necessarily as they were given: a Basic `Authorization` header is
//! `base64(user:password)`, a query string or form is percent-encoded, a
//! JSON body escapes. Every server text that reaches a message goes through
//! [`Redactor::apply`], which knows each secret in all those forms.

use base64::Engine as _;

/// What a secret is replaced with.
const MASK: &str = "***";

/// Secrets shorter than this are not masked: replacing every `ab` in a
/// message would garble it, and such a secret protects nothing anyway.
const MIN_SECRET_LEN: usize = 3;

/// The secrets to hide, each in every encoding it may come back in.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// Adds `secret` (a password or token). `user`, when the secret is sent
    /// as HTTP Basic credentials, adds the `user:secret` base64 forms.
    pub fn add(&mut self, user: Option<&str>, secret: &str) {
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let mut forms = vec![secret.to_string()];
        for form in [false, true] {
            let encoded = percent_encode(secret, form);
            // Hex digits may come back in either case.
            forms.push(lower_hex_escapes(&encoded));
            forms.push(encoded);
        }
        if let Ok(json) = serde_json::to_string(secret) {
            forms.push(json.trim_matches('"').to_string());
        }
        let mut encoded = vec![secret.to_string()];
        if let Some(user) = user {
            encoded.push(format!("{user}:{secret}"));
        }
        for plain in encoded {
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::URL_SAFE,
            ] {
                let b64 = engine.encode(plain.as_bytes());
                forms.push(b64.trim_end_matches('=').to_string());
                forms.push(b64);
            }
        }
        forms.extend(base64_cores(secret));
        for form in forms {
            if form.len() >= MIN_SECRET_LEN && !self.needles.contains(&form) {
                self.needles.push(form);
            }
        }
        // Longest first, so a form containing another is masked whole.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// `text` with every form of every secret replaced by `***`.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), MASK);
            }
        }
        out
    }
}

/// The stretch of base64 text that encodes `secret` wherever it sits in
/// an encoded string (a Basic `user:secret` with an unknown user, a token
/// inside a larger blob): one form per alignment of the secret against
/// base64's 3-byte groups, with the groups it shares with its neighbours
/// cut off. At most a character or two of the secret's encoding at each
/// end stays visible, which reveals nothing usable.
fn base64_cores(secret: &str) -> Vec<String> {
    let mut cores = Vec::new();
    for shift in 0..3 {
        for engine in [
            &base64::engine::general_purpose::STANDARD,
            &base64::engine::general_purpose::URL_SAFE,
        ] {
            let mut bytes = vec![0u8; shift];
            bytes.extend_from_slice(secret.as_bytes());
            let encoded = engine.encode(&bytes);
            let start = if shift == 0 { 0 } else { 4 };
            let end = encoded.len().saturating_sub(4);
            if end >= start + 8 {
                cores.push(encoded[start..end].to_string());
            }
        }
    }
    cores
}

/// Percent-encoding of everything but RFC 3986 unreserved characters;
/// `form` writes spaces as `+` (HTML forms, query strings).
fn percent_encode(s: &str, form: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' if form => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `%2F` → `%2f`: the same escape with lower-case hex digits.
fn lower_hex_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_of_a_secret_is_masked() {
        let mut r = Redactor::default();
        r.add(Some("ci"), "p@ss w/rd+\"x");
        let b64 = base64::engine::general_purpose::STANDARD;
        let echoes = [
            "p@ss w/rd+\"x".to_string(),
            "p%40ss%20w%2Frd%2B%22x".to_string(),
            "p%40ss+w%2Frd%2B%22x".to_string(),
            r#"p@ss w/rd+\"x"#.to_string(),
            b64.encode("ci:p@ss w/rd+\"x"),
            b64.encode("p@ss w/rd+\"x"),
        ];
        for echo in echoes {
            let shown = r.apply(&format!("denied: Authorization: Basic {echo} (bad)"));
            assert_eq!(shown, "denied: Authorization: Basic *** (bad)", "{echo}");
        }
    }

    #[test]
    fn a_secret_inside_any_base64_text_is_masked() {
        let mut r = Redactor::default();
        r.add(None, "glpat-0123456789abcdef");
        let b64 = base64::engine::general_purpose::STANDARD;
        for user in ["", "a", "ab", "abc", "oauth2", "x-access-token"] {
            let encoded = b64.encode(format!("{user}:glpat-0123456789abcdef"));
            let shown = r.apply(&encoded);
            assert!(shown.contains("***"), "{user}: {shown}");
            // What stays is the user's part and a character or two at
            // each end of the secret's.
            let kept = shown.replace("***", "").len();
            let user_part = b64.encode(format!("{user}:")).trim_end_matches('=').len();
            assert!(kept <= user_part + 6, "{user}: {shown} keeps too much");
        }
    }

    #[test]
    fn short_secrets_and_clean_text_are_left_alone() {
        let mut r = Redactor::default();
        r.add(None, "ab");
        r.add(None, "ghp_token123");
        assert_eq!(r.apply("about ab"), "about ab");
        assert_eq!(r.apply("bad token ghp_token123!"), "bad token ***!");
    }
}
