// Draws the book's ```mermaid blocks as diagrams, in the reader's browser.
//
// mdbook renders a ```mermaid block as <pre><code class="language-mermaid">. This script turns
// each one into <pre class="mermaid"> and asks mermaid to draw it, so building the book needs
// no preprocessor. mermaid.min.js (2.6 MB) is loaded only by the pages that have a diagram, from
// the one copy the book ships (book/assets/, copied with the chapters). The diagrams follow
// mdbook's theme: mermaid's dark theme for ayu, coal and navy, drawn again when the reader
// switches themes.
(() => {
  const codes = document.querySelectorAll("pre > code.language-mermaid");
  if (codes.length === 0) return;

  const diagrams = [...codes].map((code) => {
    const pre = document.createElement("pre");
    pre.className = "mermaid";
    pre.dataset.source = code.textContent;
    pre.textContent = code.textContent;
    code.parentElement.replaceWith(pre);
    return pre;
  });

  const darkThemes = ["ayu", "coal", "navy"];
  const isDark = () => darkThemes.some((t) => document.documentElement.classList.contains(t));
  let drawnDark = null;
  let drawing = Promise.resolve();

  function draw() {
    const dark = isDark();
    if (dark === drawnDark) return drawing;
    drawnDark = dark;
    // One at a time; a diagram mermaid cannot parse shows mermaid's error (and the browser
    // console has it) without stopping the next drawing.
    drawing = drawing.catch(() => {}).then(async () => {
      mermaid.initialize({
        startOnLoad: false,
        theme: dark ? "dark" : "default",
        // The dark theme's notes are grey on grey (contrast 4.49, under WCAG's 4.5 for text).
        themeVariables: dark ? { noteTextColor: "#ececec" } : {},
      });
      for (const pre of diagrams) {
        pre.removeAttribute("data-processed");
        pre.textContent = pre.dataset.source;
      }
      await mermaid.run({ nodes: diagrams });
      for (const svg of document.querySelectorAll("pre.mermaid svg")) keepReadable(svg);
      document.documentElement.dataset.mermaidTheme = dark ? "dark" : "default";
    });
    return drawing;
  }

  // mermaid shrinks a wide diagram (a long exchange, many actors) to the page's width, which
  // can leave its text 5 px high. Keep its smallest text at 12 px at least; the diagram then
  // scrolls sideways (book.css).
  function keepReadable(svg) {
    const width = svg.viewBox.baseVal?.width;
    const sizes = [...svg.querySelectorAll("text, tspan, foreignObject div")]
      .map((t) => parseFloat(getComputedStyle(t).fontSize))
      .filter((size) => size > 0);
    if (!width || sizes.length === 0) return;
    const scale = Math.min(1, 12 / Math.min(...sizes));
    svg.style.minWidth = `${Math.ceil(width * scale)}px`;
  }

  const script = document.createElement("script");
  script.src = `${path_to_root}assets/mermaid.min.js`;
  script.onload = () => {
    draw();
    // mdbook switches themes by changing <html>'s class: draw again when light and dark swap.
    new MutationObserver(draw).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["class"],
    });
  };
  document.head.append(script);
})();
