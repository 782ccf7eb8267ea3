// The in-browser runner: every example whose code a notes page shows can be edited and run. A run
// executes the page's examples in order, as the build does (tools/runner_cells.py recorded them
// in the page, between marker elements), with the reader's edits, and replaces what the edited
// example and every example after it printed: text, graphs, the step-through, Markdown. An
// example the reader edited also shows the value of its last line, as a notebook does.
// Python runs in a Web Worker (runner-worker.js), started on the first Run only; one per tab,
// kept across Material's instant navigation; Stop ends it and the next Run starts a new one.
(function () {
  "use strict";
  const WORKER_URL = new URL("runner-worker.js", document.currentScript.src).href;
  let worker = null;
  let running = null; // {id, resolve, reject} of the run in progress
  let runs = 0;

  function getWorker() {
    if (!worker) {
      worker = new Worker(WORKER_URL, { type: "module" });
      worker.onmessage = (event) => {
        if (!running || event.data.id !== running.id) return;
        const done = running;
        running = null;
        if (event.data.fatal) {
          worker.terminate(); // its Python is lost: the next run starts a new one
          worker = null;
        }
        if (event.data.failed && !event.data.fatal) done.reject(new Error(event.data.failed));
        else done.resolve(event.data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        if (running) {
          const done = running;
          running = null;
          done.reject(new Error(event.message || "the Python worker failed"));
        }
        worker = null;
      };
    }
    return worker;
  }

  function execute(cells) {
    return new Promise((resolve, reject) => {
      running = { id: ++runs, resolve, reject };
      getWorker().postMessage({ id: runs, cells });
    });
  }

  function stop() {
    if (!worker) return;
    worker.terminate(); // the only way to end a loop that never yields
    worker = null;
    if (running) {
      const done = running;
      running = null;
      done.reject(new Error("Stopped."));
    }
  }

  // --- One page ------------------------------------------------------------------------------

  function el(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // As markdown-exec shows a result: <div class="result"><div class="highlight"><pre><code>.
  function textBlock(text, className) {
    const result = el("div", { class: `result ${className}` });
    const highlight = el("div", { class: "highlight" });
    const pre = el("pre");
    pre.appendChild(el("code", {}, text));
    highlight.appendChild(pre);
    result.appendChild(highlight);
    return result;
  }

  // A printed block wider (or taller) than its box scrolls: then, as Material does for the page's
  // own code blocks, it takes keyboard focus, so that a reader without a mouse can scroll it (axe:
  // scrollable-region-focusable). Checked again whenever its width changes (a phone turned).
  const scrolls = new ResizeObserver((entries) => {
    for (const { target } of entries) {
      if (target.scrollWidth > target.clientWidth || target.scrollHeight > target.clientHeight) {
        target.tabIndex = 0;
      } else target.removeAttribute("tabindex");
    }
  });

  function watchScrolling(box, watch) {
    for (const code of box.querySelectorAll("pre > code")) {
      if (watch) scrolls.observe(code);
      else scrolls.unobserve(code);
    }
  }

  // Graphviz numbers every drawing's ids from graph0: prefix them, as tools/unique_ids.py does.
  function uniqueSvgIds(container, prefix) {
    container.querySelectorAll("svg").forEach((svg, number) => {
      const ids = new Map();
      svg.querySelectorAll("[id]").forEach((node) => {
        const id = `${prefix}${number}-${node.id}`;
        ids.set(node.id, id);
        node.id = id;
      });
      svg.querySelectorAll("*").forEach((node) => {
        for (const attribute of node.attributes) {
          const m = /url\(#([^)]+)\)|^#(.+)$/.exec(attribute.value);
          const old = m && (m[1] || m[2]);
          if (old && ids.has(old)) attribute.value = attribute.value.replace(old, ids.get(old));
        }
      });
    });
  }

  // The value of an edited example's last line (tools/browser_session.py, display). None of it may
  // run a script in the page: it is the reader's object, but its HTML or SVG may come from anywhere.
  const GRAPHVIZ_ELEMENTS = new Set(
    ["svg", "g", "title", "polygon", "polyline", "ellipse", "path", "text", "a", "image"]
      .concat(["defs", "linearGradient", "radialGradient", "stop"])
  );

  // A Graphviz drawing (viz.js's SVG, through litgrad's to_svg) is put in the page like the built
  // graphs, so it gets their card and sizing (graphs.js, litgrad.css). Parsing runs nothing, and
  // only Graphviz's own elements are kept, without event attributes or links out of the drawing
  // (a graph's URL attribute becomes a link, which could be javascript:).
  function graphvizSvg(text) {
    const svg = new DOMParser().parseFromString(text, "text/html").querySelector("svg");
    if (!svg) return null;
    for (const node of [svg, ...svg.querySelectorAll("*")]) {
      if (!GRAPHVIZ_ELEMENTS.has(node.localName)) {
        node.remove();
        continue;
      }
      for (const { name, value } of [...node.attributes]) {
        if (/^on/i.test(name) || (/href$/i.test(name) && !value.startsWith("#"))) node.removeAttribute(name);
      }
    }
    return document.importNode(svg, true);
  }

  function shownValue(shown, number) {
    if (shown.text !== undefined) return textBlock(shown.text, "litgrad-value");
    if (shown.graph !== undefined) return graphvizSvg(shown.graph);
    const card = el("div", { class: "litgrad-scroll litgrad-shown" });
    if (shown.svg !== undefined) {
      // As an image, SVG runs no script and loads nothing (the browser's rule for SVG images).
      const image = el("img", { alt: `Drawing: the value of example ${number}'s last line` });
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(shown.svg);
      card.appendChild(image);
    } else if (shown.html !== undefined) {
      // A sandbox without allow-scripts runs no script, submits no form, opens no window; the
      // policy inside lets it load nothing but inline styles and data: images. allow-same-origin,
      // harmless without scripts, lets the page read its height to fit the frame to it.
      const frame = el("iframe", {
        sandbox: "allow-same-origin",
        title: `HTML: the value of example ${number}'s last line`,
      });
      frame.srcdoc =
        '<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" ' +
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:\">" +
        "<style>body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #000; }</style>" +
        shown.html;
      frame.addEventListener("load", () => {
        frame.style.height = "0"; // else its height is at least the frame's default 150 px
        frame.style.height = `${frame.contentDocument.documentElement.scrollHeight}px`;
      });
      card.appendChild(frame);
    }
    return card;
  }

  function setupPage() {
    const data = document.getElementById("litgrad-cells");
    if (!data || data.dataset.ready) return;
    data.dataset.ready = "1";
    const cells = JSON.parse(data.dataset.cells).map((cell, index) => ({ ...cell, index }));
    for (const cell of cells) {
      const start = document.querySelector(`.litgrad-cell[data-cell="${cell.index}"]`);
      const nodes = [];
      for (let node = start.nextSibling; node; node = node.nextSibling) {
        if (node.nodeType === 1 && node.classList.contains("litgrad-cell-end")) break;
        nodes.push(node);
      }
      const codeBlock = cell.shown ? nodes.find((n) => n.nodeType === 1 && n.querySelector("pre > code")) : null;
      cell.box = el("div", { class: "litgrad-output" });
      start.parentNode.insertBefore(cell.box, start.nextSibling);
      if (codeBlock) {
        codeBlock.after(cell.box);
        nodes.splice(nodes.indexOf(codeBlock), 1);
      }
      nodes.forEach((node) => cell.box.appendChild(node));
      cell.original = cell.box.innerHTML;
      if (codeBlock) setupExample(cell, codeBlock, cells);
    }
  }

  function setupExample(cell, codeBlock, cells) {
    const number = cell.index + 1;
    cell.editor = codeBlock.querySelector("pre > code");
    cell.editorHtml = cell.editor.innerHTML;
    cell.box.setAttribute("aria-live", "polite");
    const bar = el("div", { class: "litgrad-runbar" });
    codeBlock.after(bar);
    if (cell.needs) {
      bar.appendChild(
        el(
          "p",
          { class: "litgrad-needs" },
          `This example needs ${cell.needs}, which the Python in your browser does not have: ` +
            "run it in your own Python (or the page's notebook)."
        )
      );
      return;
    }
    Object.assign(cell.editor, { contentEditable: "plaintext-only", spellcheck: false });
    cell.editor.setAttribute("role", "textbox");
    cell.editor.setAttribute("aria-multiline", "true");
    cell.editor.setAttribute("aria-label", `Example ${number}: code, editable`);
    const run = el("button", { type: "button", class: "md-button md-button--primary" }, "Run");
    run.setAttribute("aria-label", `Run example ${number} (Ctrl+Enter)`);
    const reset = el("button", { type: "button", class: "md-button" }, "Reset");
    reset.setAttribute("aria-label", `Reset example ${number}: its code, and what it and the examples after it show`);
    const stopButton = el("button", { type: "button", class: "md-button", hidden: "" }, "Stop");
    stopButton.setAttribute("aria-label", "Stop this example now");
    const status = el("span", { class: "litgrad-status", role: "status" });
    bar.append(run, stopButton, reset, status);
    cell.controls = { run, stop: stopButton, status };
    run.addEventListener("click", () => runFrom(cell, cells));
    stopButton.addEventListener("click", stop);
    reset.addEventListener("click", () => resetFrom(cell, cells));
    cell.editor.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        runFrom(cell, cells);
      }
    });
  }

  // The code as the reader left it: unedited, the page's own; edited, as shown (innerText keeps the
  // editor's line breaks), but in a closed box (a folded solution) innerText is "": its text then.
  function currentCode(cell) {
    if (!cell.editor || cell.editor.innerHTML === cell.editorHtml) return cell.code;
    const shown = cell.editor.checkVisibility();
    return (shown ? cell.editor.innerText : cell.editor.textContent).replace(/\n$/, "");
  }

  function showResult(cell, result, runId) {
    const box = cell.box;
    box.classList.remove("litgrad-stale");
    box.removeAttribute("title");
    if (result.skipped) return;
    watchScrolling(box, false);
    box.replaceChildren();
    if (cell.output === "html") {
      box.innerHTML = result.printed;
      uniqueSvgIds(box, `run${runId}-cell${cell.index}-svg`);
    } else if (cell.output === "markdown") {
      box.innerHTML = result.html || "";
    } else if (result.printed) {
      box.appendChild(textBlock(result.printed.replace(/\n$/, ""), "litgrad-printed"));
    }
    const shown = result.display && shownValue(result.display, cell.index + 1);
    if (shown) {
      box.appendChild(shown);
      uniqueSvgIds(box, `run${runId}-cell${cell.index}-svg`);
    }
    if (result.error) box.appendChild(textBlock(result.error.replace(/\n$/, ""), "litgrad-error"));
    watchScrolling(box, true);
  }

  // Python itself failed in example `reply.cell` (numbered from 1): say so there, mark the rest.
  function showFatal(reply, cells, from) {
    const failed = cells[reply.cell - 1];
    const text = reply.stack
      ? "Python in your browser ran out of stack in this example (RangeError: Maximum call " +
        "stack size exceeded). It runs in a Web Worker, whose stack is much smaller than a " +
        "desktop Python's, and something thousands of levels deep, computed or freed recursively, " +
        "takes more (litgrad's own values are freed one by one, whatever the depth). The example " +
        "runs in your own Python, or in this page's notebook."
      : `Python in your browser failed in this example: ${reply.failed}`;
    if (failed.index >= from) failed.box.replaceChildren(textBlock(text, "litgrad-error"));
    else failed.box.appendChild(textBlock(text, "litgrad-error"));
    watchScrolling(failed.box, true);
    for (const other of cells.slice(Math.max(from, reply.cell))) {
      other.box.classList.add("litgrad-stale");
      other.box.title = `Not run: example ${reply.cell} stopped Python`;
    }
  }

  async function runFrom(cell, cells) {
    if (running) return;
    const controls = cells.filter((c) => c.controls).map((c) => c.controls);
    controls.forEach((c) => { c.run.disabled = true; c.stop.hidden = true; });
    cell.controls.stop.hidden = false;
    cell.controls.status.textContent = worker ? "Running…" : "Loading Python (first run)…";
    const edited = cells.filter((c) => c.editor && c.editor.innerHTML !== c.editorHtml).map((c) => c.index);
    const from = Math.min(cell.index, ...edited);
    // Only an edited example shows its last line's value: one as the page wrote it shows what the
    // build showed, which is only what it prints (docs/running.md).
    const request = cells.map((c) => ({
      code: currentCode(c),
      output: c.output,
      skip: Boolean(c.needs),
      display: edited.includes(c.index),
    }));
    try {
      const reply = await execute(request);
      if (reply.fatal) {
        showFatal(reply, cells, from);
        cell.controls.status.textContent = `Example ${reply.cell} stopped Python.`;
        return;
      }
      reply.results.forEach((result, i) => { if (i >= from) showResult(cells[i], result, reply.id); });
      const failed = reply.results.findIndex((r) => r.error);
      for (let i = Math.max(from, reply.results.length); i < cells.length; i++) {
        cells[i].box.classList.add("litgrad-stale");
        cells[i].box.title = `Not run: example ${failed + 1} raised an error`;
      }
      cell.controls.status.textContent =
        (failed >= 0 ? `Example ${failed + 1} raised an error.` : `Done in ${Math.round(reply.ms)} ms.`) +
        (reply.loadMs == null ? "" : ` Python started in ${(reply.loadMs / 1000).toFixed(1)} s.`);
      document.dispatchEvent(new CustomEvent("litgrad:rendered")); // the step-through re-binds
    } catch (error) {
      cell.controls.status.textContent = error.message;
    } finally {
      controls.forEach((c) => { c.run.disabled = false; c.stop.hidden = true; });
    }
  }

  function resetFrom(cell, cells) {
    cell.editor.innerHTML = cell.editorHtml;
    for (const other of cells.slice(cell.index)) {
      watchScrolling(other.box, false);
      other.box.innerHTML = other.original;
      watchScrolling(other.box, true); // the page's copy, taken before Material made any focusable
      // The copy was taken after the step-through's script had bound it: let it bind again.
      other.box.querySelectorAll("[data-ready]").forEach((node) => delete node.dataset.ready);
      other.box.classList.remove("litgrad-stale");
      other.box.removeAttribute("title");
    }
    cell.controls.status.textContent = "";
    document.dispatchEvent(new CustomEvent("litgrad:rendered"));
  }

  // Material's instant navigation swaps pages without reloading: document$ fires on each page.
  if (typeof document$ !== "undefined") document$.subscribe(setupPage);
  else document.addEventListener("DOMContentLoaded", setupPage);
})();
