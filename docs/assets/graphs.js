// Marks each drawing's card (tools/accessibility.py) that is wider than the column, so the
// stylesheet can show a "scroll sideways" hint; CSS alone cannot tell that a box overflows.
// Drawings the in-browser runner redraws (event litgrad:rendered) get the same card here.
(function () {
  const observer = new ResizeObserver((entries) => {
    for (const { target } of entries) {
      target.toggleAttribute("data-overflow", target.scrollWidth > target.clientWidth + 1);
    }
  });
  function card(svg) {
    const wrapper = document.createElement("span");
    wrapper.className = "litgrad-scroll";
    wrapper.setAttribute("role", "region");
    wrapper.tabIndex = 0;
    wrapper.setAttribute("aria-label", "Drawing: " + (svg.getAttribute("aria-label") || ""));
    svg.replaceWith(wrapper);
    wrapper.appendChild(svg);
  }
  function watch() {
    document
      .querySelectorAll("svg.litgrad-graph, svg.litgrad-plot")
      .forEach((svg) => { if (!svg.parentElement.classList.contains("litgrad-scroll")) card(svg); });
    document.querySelectorAll(".litgrad-scroll").forEach((box) => observer.observe(box));
  }
  // Material's instant navigation swaps pages without reloading: document$ fires on each page.
  if (typeof document$ !== "undefined") document$.subscribe(watch);
  else document.addEventListener("DOMContentLoaded", watch);
  document.addEventListener("litgrad:rendered", watch);
})();
