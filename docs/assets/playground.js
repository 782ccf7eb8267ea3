// The training playground (docs/playground.md): a network learns a 2-D data set in the reader's
// browser while the page redraws its decision boundary. Python runs in the runner's own worker
// (runner-worker.js, the same start-up and the same protocol: cells in, what they printed out);
// the session lives in litgrad.playground between messages. The page asks for one step at a time,
// so Pause takes effect after the step in progress, and the boundary is redrawn every REDRAW steps.
(function () {
  "use strict";
  const WORKER_URL = new URL("runner-worker.js", document.currentScript.src).href;
  const REDRAW = 5; // steps between two redraws of the boundary while training
  const STEPS_PER_TRAIN = 100; // Train runs to the next multiple of this, unless paused
  const BLUE = [92, 107, 192]; // +1, as in the moons notebook
  const ORANGE = [240, 160, 48]; // -1
  const DATA_NAMES = { moons: "two moons", circles: "circles", xor: "XOR", spiral: "spiral" };

  function el(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- Python, in the runner's worker ---------------------------------------------------------

  let worker = null;
  let pending = null;
  let messages = 0;

  // One message at a time, whichever page sent it (instant navigation may leave a request of the
  // previous page's playground in flight).
  let chain = Promise.resolve();
  function python(cells) {
    const run = chain.then(() => send(cells));
    chain = run.catch(() => {});
    return run;
  }

  function send(cells) {
    if (!worker) {
      worker = new Worker(WORKER_URL, { type: "module" });
      worker.onmessage = (event) => {
        const done = pending;
        pending = null;
        if (!done) return;
        if (event.data.failed) {
          if (event.data.fatal) { worker.terminate(); worker = null; }
          done.reject(new Error(`Python failed: ${event.data.failed}`));
        } else done.resolve(event.data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        worker = null;
        if (pending) { pending.reject(new Error(event.message || "the Python worker failed")); pending = null; }
      };
    }
    return new Promise((resolve, reject) => {
      pending = { resolve, reject };
      worker.postMessage({ id: ++messages, cells: cells.map((code) => ({ code, output: "text" })) });
    });
  }

  // The only way to end a step that never returns: the next request starts a new Python.
  function stopPython() {
    if (!worker) return;
    worker.terminate();
    worker = null;
    const stuck = pending;
    pending = null;
    if (stuck) stuck.reject(new Error("Stopped: the step did not finish, so its Python was ended; a new one starts."));
  }

  const pyString = (text) => JSON.stringify(text); // a JSON string is a valid Python literal

  // --- The page -------------------------------------------------------------------------------

  function setup() {
    const root = document.getElementById("litgrad-playground");
    if (!root || root.dataset.ready) return;
    root.dataset.ready = "1";
    root.replaceChildren();
    const ui = build(root);
    const stepBlock = document.querySelector(".litgrad-playground-step");
    const editor = stepBlock && stepBlock.querySelector("pre > code");
    const original = editor ? editor.innerHTML : "";
    const codeError = el("div", { class: "litgrad-playground-error", "aria-live": "polite" });
    if (editor) {
      Object.assign(editor, { contentEditable: "plaintext-only", spellcheck: false });
      editor.setAttribute("role", "textbox");
      editor.setAttribute("aria-multiline", "true");
      editor.setAttribute("aria-label", "The training step: code, editable; Reset then Train uses it");
      const restore = el("button", { type: "button", class: "md-button" }, "Restore the code");
      restore.setAttribute("aria-label", "Restore the code of the training step, as the page wrote it");
      restore.addEventListener("click", () => { editor.innerHTML = original; changed(); });
      editor.addEventListener("input", changed);
      const bar = el("div", { class: "litgrad-playground-codebar" });
      bar.append(restore);
      stepBlock.append(bar, codeError);
    }

    // What the page knows of the session: null until started; `stale` once a setting changed.
    let session = null;
    let training = false; // Train was pressed and not yet paused
    let looping = false; // the training loop runs (on Pause, until the step in progress is back)
    let stale = false;

    function changed() {
      if (session) stale = true;
      ui.note.textContent = session ? "Changed: Reset (or Train, Step) starts again with it." : "";
    }
    ui.form.addEventListener("input", changed);

    function settings() {
      const f = ui.fields;
      const hidden = f.hidden.value.split(/[\s,]+/).filter(Boolean).map(Number);
      const number = (field, name) => {
        const v = Number(field.value);
        if (field.value.trim() === "" || !Number.isFinite(v)) throw new Error(`${name} must be a number, got "${field.value}"`);
        return v;
      };
      if (!hidden.length || hidden.some((n) => !Number.isInteger(n) || n < 1 || n > 64))
        throw new Error(`Hidden layers must be sizes from 1 to 64, separated by commas, got "${f.hidden.value}"`);
      const n = number(f.n, "Points");
      if (!Number.isInteger(n) || n < 100 || n > 200) throw new Error(`Points must be a whole number from 100 to 200, got "${f.n.value}"`);
      const seed = number(f.seed, "Seed");
      if (!Number.isInteger(seed)) throw new Error(`Seed must be a whole number, got "${f.seed.value}"`);
      return {
        data: f.data.value, n, noise: number(f.noise, "Noise"), seed, hidden,
        activation: f.activation.value, learning_rate: number(f.rate, "Learning rate"),
        alpha: number(f.alpha, "L2 strength"),
      };
    }

    function code() {
      return editor ? editor.innerText.replace(/\n$/, "") : "";
    }

    function say(text) { ui.live.textContent = text; }

    function fail(error) {
      training = looping = false;
      ui.status.textContent = error.message;
      say(error.message);
      buttons();
    }

    // Train and Step wait while the loop runs; Pause is there until it ends. A keyboard user's
    // focus moves from a button that is switched off to the one that takes its place.
    function buttons() {
      const focused = document.activeElement;
      ui.train.disabled = ui.step.disabled = looping;
      ui.pause.disabled = !looping;
      if (focused && focused.disabled) (focused === ui.pause ? ui.train : ui.pause).focus();
    }

    // The traceback from the reader's code down, or only its last line (the error and its
    // message) when the reader's code is not in it: the playground's own frames say nothing.
    function showError(where, traceback) {
      const lines = traceback.replace(/\n$/, "").split("\n");
      const from = lines.findIndex((line) => line.includes('File "<example 2>"'));
      const shown = from < 0 ? lines[lines.length - 1] :
        ["Traceback (most recent call last):", ...lines.slice(from)].join("\n");
      const pre = el("pre");
      pre.append(el("code", {}, shown));
      codeError.replaceChildren(el("p", {}, `${where} raised an error:`), pre);
      throw new Error(`${where} raised an error (shown under the code).`);
    }

    async function startSession() {
      let chosen;
      try { chosen = settings(); } catch (error) { fail(error); return false; }
      codeError.replaceChildren();
      ui.status.textContent = worker ? "Starting…" : "Loading Python…";
      const clicked = performance.now();
      // The reader's code is example 2 of this request and keeps that name in Python's line cache
      // (each request's cells are examples 1, 2, ...; `advance` requests have one cell only), so a
      // traceback through it later quotes its lines.
      const { results } = await python([
        "# the playground's session: the training step, then start()",
        code(),
        `from litgrad import playground\nprint(playground.start(train_step, ${pyString(JSON.stringify(chosen))}))`,
      ]);
      const error = results.find((r) => r.error);
      if (error) {
        const where = results.indexOf(error) === 1 ? "Your training step" : "Starting the session";
        showError(where, error.error);
      }
      const state = JSON.parse(results[2].printed);
      session = { settings: chosen, step: 0, losses: [], accuracies: [], points: state.points,
        labels: state.labels, startMs: performance.now() - clicked };
      stale = false;
      ui.note.textContent = "";
      show(state);
      return true;
    }

    async function advance(steps, grid) {
      const started = performance.now();
      const { results, ms } = await python([
        `from litgrad import playground\nprint(playground.advance(${steps}, grid=${grid ? "True" : "False"}))`,
      ]);
      if (results[0].error) showError("The training step", results[0].error);
      const state = JSON.parse(results[0].printed);
      show(state);
      if (grid) { // for the benchmark: the whole redraw, and the part of it spent in Python
        root.dataset.redrawMs = String(Math.round(performance.now() - started));
        root.dataset.redrawPythonMs = String(Math.round(ms));
      }
      return state;
    }

    // One action at a time: each waits for the one before it (which may take several messages).
    let actions = Promise.resolve();
    function queue(action) {
      const run = actions.then(action);
      actions = run.catch(() => {});
      return run;
    }

    async function ensureSession() {
      if (!session || stale || !worker) return startSession(); // no worker: its Python was lost
      return true;
    }

    async function train() {
      if (training || looping) return;
      training = looping = true;
      buttons();
      try {
        await queue(async () => {
          if (!(await ensureSession())) return;
          const target = (Math.floor(session.step / STEPS_PER_TRAIN) + 1) * STEPS_PER_TRAIN;
          while (training && root.isConnected && session.step < target) { // left the page: stop
            const next = session.step + 1;
            await advance(1, next % REDRAW === 0 || next === target);
          }
          if (session.step % REDRAW !== 0 && session.step !== target) await advance(0, true);
          const was = training;
          training = looping = false;
          buttons();
          say(was ? `Trained to step ${session.step}. ${ui.caption.textContent}` :
            `Paused at step ${session.step}. ${ui.caption.textContent}`);
        });
      } catch (error) { fail(error); }
    }

    function pause() {
      if (!training) return;
      training = false; // the loop stops after the step in progress
      ui.status.textContent += " · pausing…";
      buttons();
    }

    async function step() {
      if (training || looping) return;
      try {
        await queue(async () => {
          if (!(await ensureSession())) return;
          await advance(1, true);
          say(ui.status.textContent);
        });
      } catch (error) { fail(error); }
    }

    async function reset() {
      training = false;
      buttons();
      const inFlight = pending; // a step that takes over a second more is stuck: end its Python
      if (inFlight) setTimeout(() => { if (pending === inFlight) { session = null; stopPython(); } }, 1000);
      try {
        await queue(async () => {
          if (await startSession()) say(`Reset: a new network at step 0. ${ui.caption.textContent}`);
        });
      } catch (error) { fail(error); }
    }

    function show(state) {
      session_update(state);
      if (state.grid) {
        drawBoundary(ui, state, session);
        ui.caption.textContent = describe(state, session);
      }
      drawCurves(ui, session);
      const n = session.step;
      const loss = session.losses.length ? session.losses[n - 1] : null;
      const accuracy = session.accuracies.length ? session.accuracies[n - 1] : null;
      ui.status.textContent = n === 0 ? "step 0 · not trained yet" :
        `step ${n} · loss ${loss.toFixed(4)} · accuracy ${(accuracy * 100).toFixed(0)} %`;
      root.dataset.step = String(n);
    }

    function session_update(state) {
      if (!session) return;
      session.step = state.step;
      session.losses.push(...state.losses);
      session.accuracies.push(...state.accuracies);
      if (state.grid) session.view = state;
    }

    ui.train.addEventListener("click", train);
    ui.pause.addEventListener("click", pause);
    ui.step.addEventListener("click", step);
    ui.reset.addEventListener("click", reset);
    ui.form.addEventListener("submit", (event) => { event.preventDefault(); train(); });
    buttons();
    // The benchmark's hook (benchmarks/browser_playground.py): one redraw of the boundary, timed.
    window.litgradPlayground = {
      redraw: () => queue(async () => {
        await advance(0, true);
        return { ms: Number(root.dataset.redrawMs), python: Number(root.dataset.redrawPythonMs) };
      }),
    };
  }

  // --- The drawing ----------------------------------------------------------------------------

  function build(root) {
    const form = el("form", { class: "litgrad-playground-form", "aria-label": "Playground settings" });
    const fields = {};
    function field(key, label, input) {
      const wrap = el("label", { class: "litgrad-playground-field" });
      wrap.append(el("span", {}, label), input);
      fields[key] = input;
      form.append(wrap);
      return input;
    }
    const select = (options, chosen) => {
      const s = el("select");
      for (const [value, text] of options) {
        const o = el("option", { value }, text);
        if (value === chosen) o.selected = true;
        s.append(o);
      }
      return s;
    };
    field("data", "Data", select(Object.entries(DATA_NAMES), "moons"));
    field("n", "Points", el("input", { type: "number", min: "100", max: "200", step: "10", value: "100" }));
    field("noise", "Noise", el("input", { type: "number", min: "0", max: "0.5", step: "0.05", value: "0.1" }));
    field("seed", "Seed", el("input", { type: "number", step: "1", value: "0" }));
    field("hidden", "Hidden layers", el("input", { type: "text", value: "16, 16", inputmode: "numeric" }));
    field("activation", "Activation", select([["relu", "ReLU"], ["tanh", "tanh"]], "relu"));
    field("rate", "Learning rate", el("input", { type: "number", min: "0", step: "0.1", value: "1.0" }));
    field("alpha", "L2 strength", el("input", { type: "number", min: "0", step: "0.0001", value: "0.0001" }));

    const controls = el("div", { class: "litgrad-playground-controls" });
    const button = (text, label, primary) => {
      const b = el("button", { type: "button", class: primary ? "md-button md-button--primary" : "md-button" }, text);
      b.setAttribute("aria-label", label);
      controls.append(b);
      return b;
    };
    const train = button("Train", "Train: run steps until step 100, 200, …, or Pause", true);
    const pause = button("Pause", "Pause training after the step in progress");
    const step = button("Step", "Step: run one training step");
    const reset = button("Reset", "Reset: a new network from the seed, at step 0, with the settings and code as they are");
    const status = el("p", { class: "litgrad-playground-status" }, "step 0 · press Train (Python loads on the first press)");
    const note = el("p", { class: "litgrad-playground-note" });
    const live = el("p", { class: "litgrad-announce", role: "status" }); // heard, not seen (litgrad.css)

    const figure = el("figure", { class: "litgrad-playground-figure" });
    const canvas = el("canvas", { role: "img", "aria-labelledby": "litgrad-playground-caption", width: "480", height: "360" });
    const caption = el("figcaption", { id: "litgrad-playground-caption" }, "The decision boundary is drawn here once training starts.");
    figure.append(canvas, caption);

    const curvesFigure = el("figure", { class: "litgrad-playground-figure" });
    const curves = el("canvas", { role: "img", "aria-labelledby": "litgrad-playground-curves-caption", width: "480", height: "160" });
    const curvesCaption = el("figcaption", { id: "litgrad-playground-curves-caption" }, "Loss and accuracy per step, once training starts.");
    curvesFigure.append(curves, curvesCaption);

    root.append(form, controls, status, note, live, figure, curvesFigure);
    return { form, fields, train, pause, step, reset, status, note, live, canvas, caption, curves, curvesCaption };
  }

  const rgba = (rgb, a) => `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${a})`;

  function sized(canvas, width, height) {
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    canvas.style.aspectRatio = `${width} / ${height}`;
    const context = canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    return context;
  }

  function drawBoundary(ui, state, session) {
    const [x0, x1, y0, y1] = state.bounds;
    const width = 480;
    const height = Math.round(Math.min(480, Math.max(240, (width * (y1 - y0)) / (x1 - x0))));
    const g = sized(ui.canvas, width, height);
    // One pixel per grid cell, then scaled up: a single drawImage instead of size² rectangles.
    const size = state.size;
    const cells = new ImageData(size, size);
    state.grid.forEach((s, index) => {
      const rgb = s > 0 ? BLUE : ORANGE;
      cells.data.set([rgb[0], rgb[1], rgb[2], Math.round(255 * (0.1 + 0.3 * Math.min(1, Math.abs(s))))], 4 * index);
    });
    const small = document.createElement("canvas");
    small.width = small.height = size;
    small.getContext("2d").putImageData(cells, 0, 0);
    g.imageSmoothingEnabled = false; // square cells, as computed
    g.drawImage(small, 0, 0, width, height);
    const ink = getComputedStyle(ui.canvas).color;
    const wrong = new Set(state.wrong);
    session.points.forEach(([x, y], index) => {
      const px = ((x - x0) / (x1 - x0)) * width, py = ((y1 - y) / (y1 - y0)) * height;
      g.beginPath();
      g.arc(px, py, 4.5, 0, 2 * Math.PI);
      g.fillStyle = rgba(session.labels[index] > 0 ? BLUE : ORANGE, 1);
      g.fill();
      g.lineWidth = 1;
      g.strokeStyle = "white";
      g.stroke();
      if (wrong.has(index)) { // a ring in the page's ink around each misclassified point
        g.beginPath();
        g.arc(px, py, 8, 0, 2 * Math.PI);
        g.lineWidth = 2;
        g.strokeStyle = ink;
        g.stroke();
      }
    });
  }

  const fixed = (v) => (Math.abs(v) < 0.005 ? 0 : v).toFixed(2); // no "-0.00"

  function describe(state, session) {
    const total = session.points.length;
    const wrong = state.wrong;
    const right = total - wrong.length;
    const name = DATA_NAMES[session.settings.data];
    let text = `Decision boundary after step ${state.step}, on the ${name} data: the blue region is where ` +
      `the network answers +1, the orange one where it answers −1. It now puts ${right} of ${total} points ` +
      `(${Math.round((100 * right) / total)} %) on their own label's side.`;
    if (wrong.length) {
      const listed = wrong.slice(0, 8).map((i) => {
        const [x, y] = session.points[i];
        return `point ${i + 1} (${session.labels[i] > 0 ? "+1" : "−1"}, at ${fixed(x)}, ${fixed(y)})`;
      });
      const more = wrong.length > 8 ? `, and ${wrong.length - 8} more` : "";
      text += ` Misclassified, ringed: ${listed.join("; ")}${more}.`;
    } else text += " No point is misclassified.";
    return text;
  }

  function drawCurves(ui, session) {
    const width = 480, height = 160, pad = 6;
    const g = sized(ui.curves, width, height);
    const { losses, accuracies } = session;
    const ink = getComputedStyle(ui.curves).color;
    g.strokeStyle = ink;
    g.globalAlpha = 0.3;
    g.lineWidth = 1;
    g.strokeRect(0.5, 0.5, width - 1, height - 1);
    g.globalAlpha = 1;
    if (!losses.length) {
      ui.curvesCaption.textContent = "Loss and accuracy per step, once training starts.";
      return;
    }
    const steps = Math.max(STEPS_PER_TRAIN, losses.length);
    const top = Math.max(...losses);
    const line = (values, scale, rgb) => {
      g.beginPath();
      values.forEach((v, k) => {
        const x = pad + ((width - 2 * pad) * (k + 1)) / steps;
        const y = height - pad - (height - 2 * pad) * scale(v);
        if (k === 0) g.moveTo(x, y); else g.lineTo(x, y);
      });
      g.strokeStyle = rgba(rgb, 1);
      g.lineWidth = 2;
      g.stroke();
    };
    line(losses, (v) => (top > 0 ? v / top : 0), BLUE);
    line(accuracies, (v) => v, ORANGE);
    const n = losses.length;
    const pct = (a) => `${Math.round(a * 100)} %`;
    ui.curvesCaption.textContent =
      `Loss (blue, scaled to its largest value, ${top.toFixed(3)}) and accuracy (orange, 0 to 100 %) over ` +
      `${n} step${n === 1 ? "" : "s"}: the loss went from ${losses[0].toFixed(3)} to ${losses[n - 1].toFixed(3)}, ` +
      `the accuracy from ${pct(accuracies[0])} to ${pct(accuracies[n - 1])}.`;
  }

  if (typeof document$ !== "undefined") document$.subscribe(setup);
  else document.addEventListener("DOMContentLoaded", setup);
})();
