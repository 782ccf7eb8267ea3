// The in-browser runner's worker: Python (Pyodide) and Graphviz (viz.js), off the page's thread, so
// the page stays responsive and a runaway example is stopped by ending the worker. Everything it
// loads is served by the site itself (assets/runner/, written by tools/runtime_assets.py).
// A module worker: Pyodide's releases no longer run in classic workers.
import { loadPyodide } from "./runner/pyodide/pyodide.mjs";
import { instance as vizInstance } from "./runner/viz.js";

const RUNTIME = new URL("runner/", import.meta.url);

async function start() {
  const [pyodide, viz, packages] = await Promise.all([
    loadPyodide({ indexURL: new URL("pyodide/", RUNTIME).href }),
    vizInstance(),
    fetch(new URL("python.zip", RUNTIME)).then((response) => {
      if (!response.ok) throw new Error(`python.zip: HTTP ${response.status}`);
      return response.arrayBuffer();
    }),
  ]);
  // litgrad's to_svg hands DOT source to this under Pyodide (see page 1, `_render`).
  self.litgradViz = viz;
  pyodide.unpackArchive(packages, "zip", { extractDir: "/home/pyodide/site-packages" });
  // Freeing a graph thousands of values deep must not overflow this worker's stack: see
  // free_graphs_iteratively in tools/browser_session.py.
  pyodide.runPython(
    "import sys; sys.path.insert(0, '/home/pyodide/site-packages')\n" +
      "from browser_session import free_graphs_iteratively, run_cells\n" +
      "from litgrad import Value\n" +
      "free_graphs_iteratively(Value)"
  );
  return pyodide.globals.get("run_cells");
}

const loading = performance.now();
const ready = start();
let loadMs = null; // how long loading took, reported with the first run's results
ready.then(() => { loadMs = performance.now() - loading; }, () => {});

self.onmessage = async (event) => {
  const { id, cells } = event.data;
  let runCells;
  try {
    runCells = await ready;
  } catch (error) {
    self.postMessage({ id, failed: `Python could not be loaded: ${error}` });
    return;
  }
  const started = performance.now();
  let results;
  let current = 0; // the example running, should Python itself fail
  try {
    results = JSON.parse(runCells(JSON.stringify(cells), (number) => { current = number; }));
  } catch (error) {
    // Python itself failed, and this worker's Python is lost: most often a stack overflow, as a
    // worker's stack is smaller than a desktop Python's (a reader's own structure thousands of
    // levels deep, freed recursively: only litgrad's Value is freed iteratively, above).
    const stack = /Maximum call stack size exceeded/.test(String(error));
    self.postMessage({ id, failed: String(error), fatal: true, cell: current, stack });
    return;
  }
  self.postMessage({ id, results, ms: performance.now() - started, loadMs });
  loadMs = null;
};
