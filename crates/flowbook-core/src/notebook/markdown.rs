//! Markdown cells rendered to HTML that is safe to put in the page, even when the notebook
//! came from a stranger's URL: raw HTML in the source is dropped, and link and image
//! addresses are kept only when their scheme is harmless. Images from other hosts are
//! shown only when the reader allows them: loading one tells its host that the notebook
//! was opened, and from where (a shared notebook could track its readers).

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

/// Where a link or an image may point.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Link,
    Image,
}

/// Whether a Markdown cell may load images from other hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteImages {
    /// Each such image shows as its description, naming its host.
    Blocked,
    Allowed,
}

/// A Markdown cell as HTML, and the hosts of the images it holds back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMarkdown {
    pub html: String,
    /// Hosts of the images shown as their description (sorted, each once).
    pub blocked_hosts: Vec<String>,
}

/// HTML for a Markdown cell's source, with images from other hosts held back.
pub fn render_markdown(source: &str) -> String {
    render_markdown_with(source, RemoteImages::Blocked).html
}

/// HTML for a Markdown cell's source. Tables, strikethrough and task lists are on.
pub fn render_markdown_with(source: &str, remote_images: RemoteImages) -> RenderedMarkdown {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut blocked_hosts = Vec::new();
    // Inside a held-back image (images nest in neither Markdown nor here).
    let mut in_blocked_image = false;
    let events = Parser::new_ext(source, options).filter_map(|event| match event {
        // Raw HTML could carry scripts or event handlers; Markdown alone is enough for notes.
        Event::Html(_) | Event::InlineHtml(_) => None,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url, Target::Link),
            title,
            id,
        })),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest_url = safe_url(dest_url, Target::Image);
            match remote_host(&dest_url).filter(|_| remote_images == RemoteImages::Blocked) {
                Some(host) => {
                    let mut text = String::new();
                    // Writing to a String cannot fail.
                    let _ = pulldown_cmark_escape::escape_html(&mut text, &host);
                    blocked_hosts.push(host);
                    in_blocked_image = true;
                    Some(Event::InlineHtml(CowStr::from(format!(
                        r#"<span class="blocked-image" data-testid="blocked-image" data-host="{text}">[image from {text}: "#
                    ))))
                }
                None => Some(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })),
            }
        }
        Event::End(TagEnd::Image) if in_blocked_image => {
            in_blocked_image = false;
            Some(Event::InlineHtml(CowStr::Borrowed("]</span>")))
        }
        other => Some(other),
    });
    let mut html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut html, events);
    blocked_hosts.sort();
    blocked_hosts.dedup();
    RenderedMarkdown {
        html,
        blocked_hosts,
    }
}

/// The host of an address on another site: absolute `http(s)://host/...` or `//host/...`.
/// Relative addresses (the page's own files) and `data:` images have none.
fn remote_host(url: &str) -> Option<String> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let rest = ["http://", "https://", "//"]
        .iter()
        .find_map(|prefix| lower.starts_with(prefix).then(|| &trimmed[prefix.len()..]))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    Some(if host.is_empty() {
        "another site".to_string()
    } else {
        host.to_string()
    })
}

/// The address when it is harmless, `#` otherwise. An allow-list of schemes rather than a
/// deny-list, since browsers accept many spellings of `javascript:`.
fn safe_url(url: CowStr<'_>, target: Target) -> CowStr<'_> {
    // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme = match squeezed.find(':') {
        // A ':' after '/', '?' or '#' belongs to a path, query or fragment: no scheme.
        Some(colon) if !squeezed[..colon].contains(['/', '?', '#']) => &squeezed[..colon],
        _ => return url,
    };
    let allowed = match scheme {
        "http" | "https" => true,
        "mailto" => target == Target::Link,
        "data" => target == Target::Image && is_raster_image_data(&squeezed),
        _ => false,
    };
    if allowed {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// `data:` images in formats that cannot carry script (SVG can, so it is refused).
fn is_raster_image_data(url: &str) -> bool {
    ["png", "jpeg", "jpg", "gif", "webp"].iter().any(|format| {
        url.starts_with(&format!("data:image/{format};"))
            || url.starts_with(&format!("data:image/{format},"))
    })
}

#[cfg(test)]
mod tests {
    use super::{render_markdown, render_markdown_with, RemoteImages};

    /// No raw tags, no handlers, and every address one of the harmless kinds.
    fn assert_safe(html: &str) {
        let lower = html.to_ascii_lowercase();
        for bad in ["<script", "<iframe", "<div", " onerror", " onmouseover"] {
            assert!(!lower.contains(bad), "{bad:?} survived in {html}");
        }
        for attribute in ["href=\"", "src=\""] {
            for (start, _) in lower.match_indices(attribute) {
                let value = &lower[start + attribute.len()..];
                let harmless = ["#", "https:", "http:", "mailto:", "data:image/png"];
                assert!(
                    harmless.iter().any(|ok| value.starts_with(ok)),
                    "unsafe address in {html}"
                );
            }
        }
    }

    #[test]
    fn renders_ordinary_markdown() {
        let html =
            render_markdown("# Duration\n\nRMSE is *minutes*.\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        assert!(html.contains("<h1>Duration</h1>"));
        assert!(html.contains("<em>minutes</em>"));
        assert!(html.contains("<table>"));
        let link = render_markdown("[course](https://github.com/DataTalksClub/mlops-zoomcamp)");
        assert!(link.contains(r#"href="https://github.com/DataTalksClub/mlops-zoomcamp""#));
        assert!(render_markdown("[below](#section)").contains(r##"href="#section""##));
        assert!(render_markdown("[file](notes/a.md)").contains(r#"href="notes/a.md""#));
    }

    #[test]
    fn drops_raw_html() {
        for payload in [
            "<script>alert(1)</script>",
            "text <script>alert(1)</script> more",
            "<img src=x onerror=alert(1)>",
            "hello <img src=x onerror=\"alert(1)\"> world",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<div onmouseover=\"alert(1)\">\n\n*x*\n\n</div>",
        ] {
            assert_safe(&render_markdown(payload));
        }
        assert!(render_markdown("text <b>bold</b> more").contains("text bold more"));
    }

    #[test]
    fn neutralises_dangerous_addresses() {
        for payload in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](java&#x09;script:alert(1))",
            "[x](&#106;avascript:alert(1))",
            "[x]( javascript:alert(1) )",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "<javascript:alert(1)>",
            "![x](javascript:alert(1))",
            "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
        ] {
            assert_safe(&render_markdown(payload));
        }
        // The autolink's text still shows; only its address is defused.
        assert!(render_markdown("<javascript:alert(1)>").contains(r##"href="#""##));
        let png = render_markdown("![dot](data:image/png;base64,iVBORw0KGgo=)");
        assert!(
            png.contains(r#"src="data:image/png;base64,iVBORw0KGgo=""#),
            "{png}"
        );
        assert!(render_markdown("<https://nyc.gov>").contains(r#"href="https://nyc.gov""#));
        assert!(render_markdown("<mail@example.com>").contains("mailto:mail@example.com"));
    }

    #[test]
    fn images_from_other_hosts_wait_for_the_reader() {
        let source =
            "![zones](https://tracker.example/z.png?who=1) and ![map](//cdn.example/m.png) \
                      and ![local](data/zones.png) and ![again](HTTP://tracker.example/y.png)";
        let held = render_markdown_with(source, RemoteImages::Blocked);
        assert_eq!(held.blocked_hosts, ["cdn.example", "tracker.example"]);
        assert!(!held.html.contains("<img src=\"https:"), "{}", held.html);
        assert!(!held.html.contains("//cdn.example"), "{}", held.html);
        assert!(
            held.html.contains(
                r#"data-host="tracker.example">[image from tracker.example: zones]</span>"#
            ),
            "{}",
            held.html
        );
        assert!(
            held.html
                .contains(r#"<img src="data/zones.png" alt="local""#),
            "{}",
            held.html
        );
        let shown = render_markdown_with(source, RemoteImages::Allowed);
        assert!(shown.blocked_hosts.is_empty());
        assert!(
            shown
                .html
                .contains(r#"<img src="https://tracker.example/z.png?who=1" alt="zones""#),
            "{}",
            shown.html
        );
        // A host cannot smuggle markup into the placeholder.
        let odd = render_markdown_with("![x](https://a\"b<c>/i.png)", RemoteImages::Blocked);
        assert_safe(&odd.html);
        assert!(!odd.html.contains("<c>"), "{}", odd.html);
    }
}
