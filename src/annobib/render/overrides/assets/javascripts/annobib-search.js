// annobib's search box: Material's look, Pagefind's sharded index (render/search.py).
// Loads nothing until the reader opens the box; then Pagefind fetches its entry file,
// its WebAssembly and only the index chunks and result fragments a query needs.
// Results are built as DOM nodes from text (no innerHTML): corpus text stays inert.
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
  const shown = 10;
  let pagefind = null;
  let latest = 0;

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
    a.tabIndex = -1;
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

  const run = async () => {
    const query = input.value.trim();
    const mine = ++latest;
    if (!query) {
      meta.textContent = result.dataset.placeholder;
      list.replaceChildren();
      return;
    }
    const module = await load();
    const search = await module.search(query);
    if (mine !== latest || !search) return;
    const top = await Promise.all(search.results.slice(0, shown).map((r) => r.data()));
    if (mine !== latest) return;
    meta.textContent = label(search.results.length);
    list.replaceChildren(...top.map(item));
  };

  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 80);
  });
  input.addEventListener("focus", load, { once: true });
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
      input.blur();
    } else if (!typing && ["/", "s", "f"].includes(event.key)) {
      event.preventDefault();
      open();
    }
  });
}
