/** `GET /`: one static page, no build step. It only ever calls `/run` on its own origin. */

export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edgevm code runner</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
  textarea, pre { width: 100%; box-sizing: border-box; font: 13px/1.4 ui-monospace, monospace; }
  textarea { padding: .5rem; }
  pre { background: #111; color: #eee; padding: .75rem; min-height: 4rem; white-space: pre-wrap; }
  .err { color: #f88; }
  .row { display: flex; gap: 1rem; align-items: center; margin: .5rem 0; }
  #meta { color: #555; }
</style>
</head>
<body>
<h1>edgevm code runner</h1>
<p>Every run boots a fresh microVM, runs the snippet and throws the VM away.</p>
<div class="row">
  <label>Language <select id="language"><option>sh</option><option>awk</option></select></label>
  <label><input type="checkbox" id="live"> live output (SSE)</label>
  <button id="run">Run</button>
</div>
<textarea id="code" rows="10" spellcheck="false">echo "hello from $(uname -n)"
for i in 1 2 3; do echo "tick $i"; sleep 1; done</textarea>
<label>stdin<textarea id="stdin" rows="3" spellcheck="false"></textarea></label>
<p id="meta"></p>
<pre id="out"></pre>
<script>
const $ = (id) => document.getElementById(id);
const out = $("out");
function show(text, isErr) {
  const span = document.createElement("span");
  if (isErr) span.className = "err";
  span.textContent = text;
  out.appendChild(span);
}
function summary(r) {
  $("meta").textContent = r.status + " · exit " + r.exitCode + " · " + r.ms + " ms · vm " +
    (r.vm ? r.vm.id + " (" + r.vm.start + ")" : "?");
}
async function runOnce(body) {
  const res = await fetch("/run", { method: "POST", headers: { "content-type": "application/json" }, body });
  const r = await res.json();
  if (!res.ok) return show(r.error.code + ": " + r.error.message + "\\n", true);
  show(r.stdout); show(r.stderr, true); summary(r);
}
async function runLive(body) {
  const res = await fetch("/run?stream=1", { method: "POST", headers: { "content-type": "application/json" }, body });
  if (!res.ok) { const r = await res.json(); return show(r.error.code + ": " + r.error.message + "\\n", true); }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\\n\\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message", data = "";
      for (const line of block.split("\\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (!data) continue;
      const d = JSON.parse(data);
      if (event === "stdout") show(d.data);
      else if (event === "stderr") show(d.data, true);
      else if (event === "exit") summary({ ...d, ms: d.timing && d.timing.totalMs });
      else if (event === "error") show(d.error.code + ": " + d.error.message + "\\n", true);
    }
  }
}
$("run").onclick = async () => {
  out.textContent = ""; $("meta").textContent = "running…"; $("run").disabled = true;
  const job = { language: $("language").value, code: $("code").value };
  if ($("stdin").value) job.stdin = $("stdin").value;
  try { await ($("live").checked ? runLive : runOnce)(JSON.stringify(job)); }
  catch (e) { show(String(e) + "\\n", true); }
  finally { $("run").disabled = false; }
};
</script>
</body>
</html>
`;
