//! `${{ }}` expressions and which context values in them an outsider
//! controls (GitHub's list of untrusted inputs: titles, bodies, branch
//! names, commit messages, author names and emails, page names).

/// Untrusted context paths; `*` stands for one segment (an index or a
/// property name).
const UNTRUSTED: [&str; 27] = [
    "github.event.issue.title",
    "github.event.issue.body",
    "github.event.pull_request.title",
    "github.event.pull_request.body",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.label",
    "github.event.pull_request.head.repo.default_branch",
    "github.event.comment.body",
    "github.event.review.body",
    "github.event.review_comment.body",
    "github.event.discussion.title",
    "github.event.discussion.body",
    "github.event.pages.*.page_name",
    "github.event.commits.*.message",
    "github.event.commits.*.author.email",
    "github.event.commits.*.author.name",
    "github.event.head_commit.message",
    "github.event.head_commit.author.email",
    "github.event.head_commit.author.name",
    "github.event.head_commit.committer.email",
    "github.event.head_commit.committer.name",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit.message",
    "github.event.workflow_run.head_commit.author.email",
    "github.event.workflow_run.head_commit.author.name",
    "github.event.workflow_run.pull_requests.*.head.ref",
    "github.head_ref",
];

/// Each `${{ … }}` in `text`: the whole expression as written, and its
/// inner text.
pub fn expressions(text: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(start) = rest.find("${{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let whole = &text[offset + start..offset + start + len + 2];
        found.push((whole, &whole[3..whole.len() - 2]));
        offset += start + len + 2;
        rest = &text[offset..];
    }
    found
}

/// The untrusted context values an expression reads, as written.
pub fn untrusted_values(expression: &str) -> Vec<String> {
    let mut found = Vec::new();
    let is_part = |c: char| c.is_ascii_alphanumeric() || "._-*[]'\"".contains(c);
    for token in expression.split(|c: char| !is_part(c)) {
        let segments = segments(token);
        if UNTRUSTED.iter().any(|u| matches(u, &segments)) && !found.iter().any(|f| f == token) {
            found.push(token.to_string());
        }
    }
    found
}

/// `github.event.commits[0].message` → `github`, `event`, `commits`, `0`,
/// `message` (brackets and quotes become segments).
fn segments(token: &str) -> Vec<String> {
    token
        .replace(['[', ']'], ".")
        .replace(['\'', '"'], "")
        .split('.')
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn matches(pattern: &str, segments: &[String]) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    pattern.len() == segments.len()
        && pattern
            .iter()
            .zip(segments)
            .all(|(p, s)| *p == "*" || s == "*" || p == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_untrusted_values_in_expressions() {
        let text = "echo ${{ github.event.issue.title }} ${{ github.sha }}\necho ${{ toJSON(github.event.commits[0].message) }}";
        let exprs = expressions(text);
        assert_eq!(exprs.len(), 3);
        assert_eq!(exprs[0].0, "${{ github.event.issue.title }}");
        assert_eq!(untrusted_values(exprs[0].1), ["github.event.issue.title"]);
        assert!(untrusted_values(exprs[1].1).is_empty());
        assert_eq!(
            untrusted_values(exprs[2].1),
            ["github.event.commits[0].message"]
        );
        assert_eq!(
            untrusted_values("github.event.pages.*.page_name"),
            ["github.event.pages.*.page_name"]
        );
        assert!(untrusted_values("github.event.pull_request.number").is_empty());
        assert!(untrusted_values("github.event.issue.title_length").is_empty());
    }

    #[test]
    fn unterminated_expression_is_not_one() {
        assert!(expressions("echo ${{ github.head_ref").is_empty());
    }
}
