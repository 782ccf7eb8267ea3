// The step-through widget (litgrad.steps.stepper_html): every frame is already in the page as an
// inline SVG, so stepping only shows one figure and hides the rest; no network, no server.
(function () {
  function setup(widget) {
    if (widget.dataset.ready) return;
    widget.dataset.ready = "1";
    const frames = widget.querySelectorAll(".litgrad-frame");
    const slider = widget.querySelector("input[type=range]");
    const counter = widget.querySelector("output");
    const last = frames.length - 1;
    let current = 0;
    function show(index) {
      current = Math.max(0, Math.min(last, index));
      frames.forEach((frame, i) => { frame.hidden = i !== current; });
      slider.value = String(current);
      counter.textContent = current + " / " + last;
    }
    widget.querySelectorAll("button[data-move]").forEach((button) => {
      button.addEventListener("click", () => show(current + Number(button.dataset.move)));
    });
    slider.addEventListener("input", () => show(Number(slider.value)));
    widget.addEventListener("keydown", (event) => {
      if (event.target === slider) return; // the slider handles its own arrow keys
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        show(current + (event.key === "ArrowRight" ? 1 : -1));
        event.preventDefault();
      }
    });
    show(0);
  }
  function setupAll() {
    document.querySelectorAll(".litgrad-stepper").forEach(setup);
  }
  // Material's instant navigation swaps pages without reloading: document$ fires on each page.
  if (typeof document$ !== "undefined") document$.subscribe(setupAll);
  else document.addEventListener("DOMContentLoaded", setupAll);
  // The in-browser runner (runner.js) fires this after it puts re-run output into the page.
  document.addEventListener("litgrad:rendered", setupAll);
})();
