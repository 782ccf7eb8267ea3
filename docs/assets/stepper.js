// The step-through widget (litgrad.steps.stepper_html): every frame is already in the page as an
// inline SVG, so stepping only shows one figure and hides the rest; no network, no server.
(function () {
  function setup(widget) {
    if (widget.dataset.ready) return;
    widget.dataset.ready = "1";
    const frames = widget.querySelectorAll(".litgrad-frame");
    const slider = widget.querySelector("input[type=range]");
    const counter = widget.querySelector("output");
    const spoken = widget.querySelector(".litgrad-announce");
    const last = frames.length - 1;
    let current = 0;
    function show(index, announce = true) {
      current = Math.max(0, Math.min(last, index));
      frames.forEach((frame, i) => { frame.hidden = i !== current; });
      slider.value = String(current);
      counter.textContent = current + " / " + last;
      // A hidden figure's caption is never read: the live region says the new one.
      if (announce && spoken) {
        spoken.textContent = frames[current].querySelector("figcaption").textContent;
      }
    }
    widget.querySelectorAll("button[data-move]").forEach((button) => {
      button.addEventListener("click", () => show(current + Number(button.dataset.move)));
    });
    slider.addEventListener("input", () => show(Number(slider.value)));
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 1, ArrowUp: -1 };
    widget.addEventListener("keydown", (event) => {
      if (event.target === slider) return; // the slider handles its own keys
      if (event.target.closest(".litgrad-scroll")) return; // arrows scroll a wide graph
      if (event.key in moves) show(current + moves[event.key]);
      else if (event.key === "Home") show(0);
      else if (event.key === "End") show(last);
      else return;
      event.preventDefault();
    });
    show(0, false);
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
