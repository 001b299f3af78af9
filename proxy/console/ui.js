// Small DOM helpers shared by the pages.

/** el("button", {class: "x", onclick: f}, "text", child) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Show an error as the API states it (message, and its param and code when it names them), or hide the box. */
export function showError(box, error) {
  box.replaceChildren();
  if (!error) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.append(el("strong", {}, error.status ? `Error ${error.status}: ` : "Error: "), error.message || String(error));
  const facts = [error.param && `param: ${error.param}`, error.code && `code: ${error.code}`].filter(Boolean);
  if (facts.length) box.append(el("span", { class: "error-facts" }, ` (${facts.join(", ")})`));
}

export function money(value) {
  if (value === null || value === undefined) return "–";
  const amount = Number(value);
  // Cents, except for amounts under a cent (a text request costs fractions of one).
  return `$${amount.toFixed(amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2)}`;
}

export function when(seconds) {
  if (!seconds) return "–";
  return new Date(seconds * 1000).toLocaleString();
}

/** A table with a caption; rows are arrays of cells (strings or nodes). */
export function table(caption, headings, rows) {
  return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    el("table", {},
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, headings.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows.length ? rows.map((row) => el("tr", {}, row.map((cell) => el("td", { class: cellClass(cell) },
        cell ?? "–"))))
        : el("tr", {}, el("td", { colspan: headings.length }, "Nothing yet.")))));
}

// An amount, a count or "12 / 34": kept on one line and right-aligned. One word without spaces (an id, a status,
// a date): kept whole. Anything else wraps between its words.
const NUMERIC = /^[-+]?\$?[\d.,]+(\s*\/\s*[\d.,]+)?( s)?$/;

function cellClass(cell) {
  if (typeof cell === "number" || (typeof cell === "string" && NUMERIC.test(cell.trim()))) return "num";
  if (typeof cell === "string" && !/\s/.test(cell.trim())) return "token";
  return null;
}

/** Read a file input's files as data: URIs. */
export function readFiles(input) {
  return Promise.all([...(input?.files || [])].map((file) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  })));
}
