// A group of toggle chips as plain <button>s in one widget (geo/app/_chips.py ChipGroup).
//
// The kernel sends the words (`title`, `labels`, `tooltips`, `all_text`, `none_text`), whether
// the "All" / "None" buttons show (`actions`), whether the chips are `disabled`, and the chosen
// chips' indices (`chosen`); a click, or Space / Enter on a focused chip (native buttons do both),
// sends the new indices once (never while disabled: the buttons carry the attribute). The page
// repaints from `chosen` alone, so a value set in the kernel and a click take the same path.
// Buttons carry Jupyter's classes so they look like the ToggleButtons they replace; the panel's
// CSS (geo/app/_panels.py) rounds and wraps them.

function button(className) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  return b;
}

export default {
  render({ model, el }) {
    el.classList.add("atlas-chips");
    const head = document.createElement("div");
    head.className = "atlas-chips-head";
    const title = document.createElement("b");
    title.className = "atlas-chips-title";
    const every = button("jupyter-widgets jupyter-button atlas-chip-action");
    const none = button("jupyter-widgets jupyter-button atlas-chip-action");
    head.append(title, every, none);
    const row = document.createElement("div");
    row.className = "atlas-chips-row";
    el.append(head, row);

    const choose = (indices) => {
      if (model.get("disabled")) return;
      model.set("chosen", indices);
      model.save_changes();
    };
    every.addEventListener("click", () => choose(model.get("labels").map((_, i) => i)));
    none.addEventListener("click", () => choose([]));
    row.addEventListener("click", (event) => {
      const chip = event.target.closest(".atlas-chip");
      if (!chip) return;
      const on = new Set(model.get("chosen"));
      const i = Number(chip.dataset.index);
      if (on.has(i)) on.delete(i);
      else on.add(i);
      choose([...on].sort((a, b) => a - b));
    });

    const paint = () => {
      const on = new Set(model.get("chosen"));
      const off = model.get("disabled");
      every.disabled = off;
      none.disabled = off;
      for (const chip of row.children) {
        chip.disabled = off;
        const active = on.has(Number(chip.dataset.index));
        chip.classList.toggle("mod-active", active);
        chip.setAttribute("aria-pressed", String(active));
      }
    };
    const words = () => {
      const name = model.get("title");
      const actions = model.get("actions");
      title.textContent = name;
      // a group without title or buttons (the weekdays: titled by the panel) keeps no empty head
      head.style.display = name || actions ? "" : "none";
      every.style.display = actions ? "" : "none";
      none.style.display = actions ? "" : "none";
      every.textContent = model.get("all_text");
      none.textContent = model.get("none_text");
      every.title = `${model.get("all_text")}: ${name}`;
      none.title = `${model.get("none_text")}: ${name}`;
      const labels = model.get("labels");
      while (row.children.length > labels.length) row.lastChild.remove();
      while (row.children.length < labels.length) {
        const chip = button("jupyter-widgets jupyter-button widget-toggle-button atlas-chip");
        chip.dataset.index = String(row.children.length);
        row.append(chip);
      }
      const tips = model.get("tooltips");
      labels.forEach((label, i) => {
        row.children[i].textContent = label;
        row.children[i].title = tips[i] || label;
      });
      paint();
    };
    words();
    // listeners made through render's model are dropped with the view (anywidget)
    model.on("change:title change:all_text change:none_text change:labels change:tooltips "
      + "change:actions", words);
    model.on("change:chosen change:disabled", paint);
  },
};
