import ChangeGate

/// The frame of every page: the skip link, the views' navigation, the integrity banner, the
/// heading. The page's own HTML (already rendered, so already escaped) goes in as `body`.
struct WebLayout: Sendable {
    var title: String
    var body: String
    var nav: [NavItem]
    /// The last verification's failure, on every page until a verification passes.
    var banner: String?
    var client: String
    var version = ChangeGateVersion.current

    struct NavItem: Sendable {
        var href: String
        var label: String
        var current: Bool
    }

    /// The views, `current` the one shown.
    static func nav(current: String) -> [NavItem] {
        [
            ("/ui/", "Timeline"), ("/ui/incident", "Incident"), ("/ui/integrity", "Integrity"),
        ].map { NavItem(href: $0.0, label: $0.1, current: $0.0 == current) }
    }

    static let template = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · ChangeGate</title>
        <link rel="stylesheet" href="/ui/style.css">
        </head>
        <body>
        <a class="skip" href="#main">Skip to the content</a>
        <header>
        <p class="brand">ChangeGate</p>
        <nav aria-label="Views"><ul>{{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}</ul></nav>
        <p class="who">Signed in as {{client}}</p>
        </header>
        {{#banner}}<div class="banner" role="alert" id="integrity-banner"><strong>The audit trail does not verify.</strong> {{banner}} <a href="/ui/integrity">See Integrity</a>.</div>{{/banner}}
        <main id="main" tabindex="-1">
        <h1>{{title}}</h1>
        {{{body}}}
        </main>
        <footer><p>ChangeGate {{version}} · a read-only view of the audit trail</p></footer>
        </body>
        </html>

        """

    /// Plain, legible, printable; colours with enough contrast, and never the only sign (each
    /// verdict is also written).
    static let styleSheet = """
        :root { color-scheme: light; --deny: #a40e26; --warn: #7a4d00; --allow: #116329; --ink: #1f2328; --muted: #57606a; }
        body { font: 15px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0; }
        header { display: flex; gap: 2em; align-items: center; padding: .5em 1.5em; background: #f6f8fa; border-bottom: 1px solid #d0d7de; }
        header ul { list-style: none; display: flex; gap: 1.2em; margin: 0; padding: 0; }
        header a[aria-current] { font-weight: 700; text-decoration: none; border-bottom: 2px solid var(--ink); }
        .brand { font-weight: 700; margin: 0; } .who { margin: 0 0 0 auto; color: var(--muted); }
        main { padding: 1em 1.5em 3em; max-width: 90em; } h1 { font-size: 1.5em; margin-top: .3em; }
        .skip { position: absolute; left: -10em; } .skip:focus { left: .5em; top: .5em; background: #fff; padding: .3em; }
        a { color: #0550ae; } a:focus, button:focus, input:focus, select:focus { outline: 3px solid #0969da; outline-offset: 1px; }
        table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; } caption { text-align: left; font-weight: 600; padding: .3em 0; }
        th, td { text-align: left; vertical-align: top; padding: .3em .6em; border-bottom: 1px solid #d8dee4; }
        th { background: #f6f8fa; } code { font-size: .92em; overflow-wrap: anywhere; }
        .verdict { font-weight: 700; } .verdict.deny, .verdict.error { color: var(--deny); } .verdict.warn { color: var(--warn); } .verdict.allow, .verdict.approved, .verdict.landed { color: var(--allow); }
        .override { color: #fff; background: var(--deny); padding: 0 .4em; border-radius: 3px; }
        .banner { background: var(--deny); color: #fff; padding: .7em 1.5em; font-size: 1.05em; } .banner a { color: #fff; }
        .ok { color: var(--allow); font-weight: 600; } .bad { color: var(--deny); font-weight: 600; }
        .error { color: var(--deny); font-weight: 600; } .more, .muted { color: var(--muted); }
        form.filters { display: flex; flex-wrap: wrap; gap: .6em 1em; align-items: end; margin-bottom: 1em; }
        form.filters label { display: flex; flex-direction: column; font-size: .9em; }
        input, select, button { font: inherit; padding: .2em .4em; }
        dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; } dl.facts dt { font-weight: 600; }
        pre.report { background: #f6f8fa; padding: 1em; overflow-x: auto; }
        svg.chart { max-width: 100%; height: auto; border: 1px solid #d8dee4; background: #fff; }
        svg .step { fill: none; stroke: #0550ae; stroke-width: 2; } svg .proposed { fill: none; stroke: var(--deny); stroke-width: 1.5; stroke-dasharray: 4 3; }
        svg .point { fill: #0550ae; } svg .point.denied { fill: #fff; stroke: var(--deny); stroke-width: 2; } svg .point.revert { fill: var(--allow); }
        svg text { font: 12px system-ui, sans-serif; fill: var(--ink); } svg .axis { stroke: #8c959f; }

        """
}
