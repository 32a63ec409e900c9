// annobib's search box: Material's look, Pagefind's sharded index (render/search.py).
// Loads nothing until the reader opens the box; then Pagefind fetches its entry file,
// its WebAssembly and only the index chunks and result fragments a query needs.
// Results are built as DOM nodes from text (no innerHTML): corpus text stays inert.
//
// Keyboard: ArrowDown from the box goes to the first result; ArrowDown / ArrowUp move
// through the results and the "more results" button (ArrowUp from the first result goes
// back to the box); Tab and Shift+Tab reach the same elements in order; Enter opens the
// focused result (in the box: the first result); Escape closes the search.
// The first PAGE results are shown; "Show more results" adds the next MORE, so every
// result can be reached.
const root = document.querySelector("[data-annobib-search]");
if (root) {
  const bundle = new URL(root.getAttribute("data-annobib-search"), location.href);
  const siteBase = new URL("../", bundle).pathname;
  const toggle = document.getElementById("__search");
  const input = root.querySelector("input.md-search__input");
  const form = root.querySelector("form");
  const result = root.querySelector(".md-search-result");
  const meta = root.querySelector(".md-search-result__meta");
  const list = root.querySelector(".md-search-result__list");
  const PAGE = 10;
  const MORE = 20;
  let pagefind = null;
  let latest = 0;
  let current = { results: [], shown: 0, query: "" };

  meta.setAttribute("aria-live", "polite");
  list.setAttribute("aria-label", "Search results");

  const load = () => {
    if (!pagefind) {
      pagefind = import(new URL("pagefind.js", bundle).href).then(async (module) => {
        await module.options({ baseUrl: siteBase, excerptLength: 24 });
        module.init();
        return module;
      });
    }
    return pagefind;
  };

  const label = (count) => {
    if (count === 0) return result.dataset.none;
    if (count === 1) return result.dataset.one;
    return result.dataset.other.replace("#", String(count));
  };

  // Pagefind's excerpt is escaped text with <mark> around matches: keep only those two.
  const excerptNodes = (excerpt) => {
    const parsed = new DOMParser().parseFromString(`<body>${excerpt || ""}</body>`, "text/html");
    const nodes = [];
    for (const node of parsed.body.childNodes) {
      if (node.nodeType === Node.ELEMENT_NODE && node.tagName === "MARK") {
        const mark = document.createElement("mark");
        mark.textContent = node.textContent;
        nodes.push(mark);
      } else {
        nodes.push(document.createTextNode(node.textContent));
      }
    }
    return nodes;
  };

  const item = (data) => {
    const li = document.createElement("li");
    li.className = "md-search-result__item";
    const a = document.createElement("a");
    a.className = "md-search-result__link";
    const url = String(data.url || "");
    a.setAttribute("href", url.startsWith("/") ? url : siteBase);
    const article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    const icon = document.createElement("div");
    icon.className = "md-search-result__icon md-icon";
    const title = document.createElement("h1");
    title.textContent = (data.meta && data.meta.title) || url;
    const text = document.createElement("p");
    text.append(...excerptNodes(data.excerpt));
    article.append(icon, title, text);
    a.append(article);
    li.append(a);
    return li;
  };

  // The "more results" button, last in the list; absent when every result is shown.
  const moreButton = () => {
    const rest = current.results.length - current.shown;
    if (rest <= 0) return null;
    const li = document.createElement("li");
    li.className = "md-search-result__item annobib-search-more-item";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "annobib-search-more";
    const next = Math.min(MORE, rest);
    button.textContent = `Show ${next} more ${next === 1 ? "result" : "results"} (${current.shown} of ${current.results.length} shown)`;
    button.addEventListener("click", () => { button.disabled = true; showMore(true); });
    li.append(button);
    return li;
  };

  const showMore = async (focusNew) => {
    const mine = latest;
    const start = current.shown;
    const batch = current.results.slice(start, start + (start === 0 ? PAGE : MORE));
    const data = await Promise.all(batch.map((r) => r.data()));
    if (mine !== latest) return;
    current.shown = start + data.length;
    const items = data.map(item);
    const old = list.querySelector(".annobib-search-more-item");
    if (old) old.remove();
    list.append(...items);
    const more = moreButton();
    if (more) list.append(more);
    if (focusNew && items.length) items[0].querySelector("a").focus();
  };

  const run = async () => {
    const query = input.value.trim();
    const mine = ++latest;
    if (!query) {
      meta.textContent = result.dataset.placeholder;
      list.replaceChildren();
      current = { results: [], shown: 0, query: "" };
      return;
    }
    const module = await load();
    const search = await module.search(query);
    if (mine !== latest || !search) return;
    current = { results: search.results, shown: 0, query };
    list.replaceChildren();
    meta.textContent = label(search.results.length);
    await showMore(false);
  };

  // Everything the arrow keys move through: the box, each result, the "more" button.
  const stops = () => [input, ...list.querySelectorAll("a.md-search-result__link, button.annobib-search-more")];

  const move = (event, step) => {
    const all = stops();
    const at = all.indexOf(document.activeElement);
    if (at < 0 || all.length < 2) return;
    event.preventDefault();
    all[Math.max(0, Math.min(all.length - 1, at + step))].focus();
  };

  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 80);
  });
  input.addEventListener("focus", load, { once: true });
  root.addEventListener("keydown", (event) => {
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key === "ArrowDown") move(event, 1);
    else if (event.key === "ArrowUp") move(event, -1);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const first = list.querySelector("a[href]");
    if (first) location.href = first.href;
  });
  form.addEventListener("reset", () => setTimeout(run, 0));
  if (toggle) {
    toggle.addEventListener("change", () => { if (toggle.checked) input.focus(); });
  }
  const open = () => {
    if (toggle) toggle.checked = true;
    input.focus();
    input.select();
  };
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key === "Escape" && toggle && toggle.checked) {
      toggle.checked = false;
      if (root.contains(document.activeElement)) document.activeElement.blur();
    } else if (!typing && !root.contains(target) && ["/", "s", "f"].includes(event.key)) {
      event.preventDefault();
      open();
    }
  });
}
