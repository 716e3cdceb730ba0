/**
 * Headless Chromium (Debian's `chromium` package) driven over the DevTools protocol: open a page,
 * collect console errors, exceptions and network requests, evaluate expressions, take a screenshot.
 */
export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

export interface PageReport {
  errors: string[];
  requests: string[];
  values: unknown[];
  screenshot: Uint8Array;
}

/** Loads `url` in a fresh headless Chromium and reports on it; `expressions` are evaluated after load. */
export async function inspectPage(url: string, expressions: string[]): Promise<PageReport> {
  if (!CHROMIUM) throw new Error("chromium is not installed (apt-get install chromium)");
  const profile = Deno.makeTempDirSync({ prefix: "trackio-chromium-" });
  const child = new Deno.Command(CHROMIUM, {
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "--window-size=1200,1600",
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    const endpoint = await devtoolsEndpoint(child);
    const socket = new WebSocket(endpoint);
    await new Promise((resolve, reject) => ((socket.onopen = resolve), (socket.onerror = reject)));
    const cdp = new Cdp(socket);
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    const errors: string[] = [];
    const requests: string[] = [];
    cdp.on("Runtime.consoleAPICalled", (p) => {
      if (p.type === "error" || p.type === "assert") {
        errors.push(`console.${p.type}: ${JSON.stringify(p.args)}`);
      }
    });
    cdp.on("Runtime.exceptionThrown", (p) => errors.push(`exception: ${JSON.stringify(p.exceptionDetails)}`));
    cdp.on("Log.entryAdded", (p) => {
      if (p.entry.level === "error") errors.push(`log: ${p.entry.text}`);
    });
    cdp.on("Network.requestWillBeSent", (p) => requests.push(p.request.url));
    for (const domain of ["Page", "Runtime", "Network", "Log"]) {
      await cdp.send(`${domain}.enable`, {}, sessionId);
    }
    const loaded = cdp.next("Page.loadEventFired");
    await cdp.send("Page.navigate", { url }, sessionId);
    await loaded;
    const values = [];
    for (const expression of expressions) {
      const { result } = await cdp.send("Runtime.evaluate", { expression, returnByValue: true }, sessionId);
      values.push(result.value);
    }
    const { data } = await cdp.send(
      "Page.captureScreenshot",
      { format: "png", captureBeyondViewport: true },
      sessionId,
    );
    await cdp.send("Browser.close").catch(() => {});
    socket.close();
    return { errors, requests, values, screenshot: Uint8Array.from(atob(data), (c) => c.charCodeAt(0)) };
  } finally {
    // Browser.close asked it to quit; give it a moment before forcing it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      child.status.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5000))),
    ]);
    clearTimeout(timer);
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
    }
    await removeProfile(profile);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Chromium's helper processes may still be writing to the profile for a moment: retry. */
async function removeProfile(dir: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      return Deno.removeSync(dir, { recursive: true });
    } catch {
      await sleep(100);
    }
  }
}

async function devtoolsEndpoint(child: Deno.ChildProcess): Promise<string> {
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`chromium exited: ${text}`);
    text += value;
    const found = text.match(/DevTools listening on (ws:\/\/\S+)/);
    if (found) {
      // Keep draining stderr so Chromium never blocks on it.
      (async () => {
        while (!(await reader.read()).done);
      })().catch(() => {});
      return found[1];
    }
  }
}

// deno-lint-ignore no-explicit-any
type Params = any;

/** A minimal DevTools protocol client: commands with ids, events by name. */
class Cdp {
  #id = 0;
  #pending = new Map<number, { resolve: (v: Params) => void; reject: (e: Error) => void }>();
  #listeners = new Map<string, ((p: Params) => void)[]>();

  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.id !== undefined) {
        const waiting = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) waiting?.reject(new Error(JSON.stringify(message.error)));
        else waiting?.resolve(message.result);
      } else for (const listener of this.#listeners.get(message.method) ?? []) listener(message.params);
    };
  }

  readonly socket: WebSocket;

  send(method: string, params: Params = {}, sessionId?: string): Promise<Params> {
    const id = ++this.#id;
    this.socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  on(method: string, listener: (p: Params) => void): void {
    this.#listeners.set(method, [...(this.#listeners.get(method) ?? []), listener]);
  }

  next(method: string): Promise<Params> {
    return new Promise((resolve) => this.on(method, resolve));
  }
}
