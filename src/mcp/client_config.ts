import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DataDir } from "../store/paths.ts";
import { TOKEN_ENV } from "./settings.ts";

/** The command line that starts this same trackio-cli: the compiled binary, or Deno on main.ts. */
export function launchCommand(): { command: string; args: string[] } {
  if (Deno.build.standalone) return { command: Deno.execPath(), args: [] };
  return { command: Deno.execPath(), args: ["run", "-A", fileURLToPath(Deno.mainModule)] };
}

/**
 * Arguments that make the server read the same data as this shell. Claude Desktop does not start
 * servers from the user's shell, so an environment variable set here would be lost: say it as --dir
 * or --space.
 */
export function dataArgs(dataDir: DataDir): string[] {
  if (dataDir.source === "demo") return ["--demo"];
  if (dataDir.source === "default") return [];
  return ["--dir", resolve(dataDir.path)];
}

/** Where the served data is: a local directory, or a Space (`space`) that may be private. */
export type ServedData = { dataDir: DataDir } | { space: string; private: boolean };

/** The environment a server for a private Space needs; the token itself is never printed. */
const TOKEN_PLACEHOLDER = "${HF_TOKEN}";

function servedArgs(data: ServedData): string[] {
  return "space" in data ? ["--space", data.space] : dataArgs(data.dataDir);
}

export interface ClientConfig {
  /** For claude_desktop_config.json (and any client that starts a stdio server). */
  claude_desktop: {
    mcpServers: { trackio: { command: string; args: string[]; env?: Record<string, string> } };
  };
  /** One line that adds the stdio server to Claude Code. */
  claude_code: string;
  /** For a server started with `trackio-cli mcp --http`. */
  http: {
    url: string;
    config: { mcpServers: { trackio: { type: "http"; url: string; headers?: Record<string, string> } } };
    claude_code: string;
  };
}

const shellQuote = (arg: string) => /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;

export function clientConfig(data: ServedData, url: string, withToken: boolean): ClientConfig {
  const { command, args } = launchCommand();
  const serverArgs = [...args, "mcp", ...servedArgs(data)];
  const privateSpace = "space" in data && data.private;
  const env = privateSpace ? { env: { HF_TOKEN: TOKEN_PLACEHOLDER } } : {};
  const codeEnv = privateSpace ? ` --env HF_TOKEN=${TOKEN_PLACEHOLDER}` : "";
  // The token itself is never printed: clients expand ${VAR} from their environment.
  const headers = withToken ? { Authorization: `Bearer \${${TOKEN_ENV}}` } : undefined;
  const header = withToken ? ` --header "Authorization: Bearer $${TOKEN_ENV}"` : "";
  return {
    claude_desktop: { mcpServers: { trackio: { command, args: serverArgs, ...env } } },
    claude_code: `claude mcp add trackio${codeEnv} -- ${[command, ...serverArgs].map(shellQuote).join(" ")}`,
    http: {
      url,
      config: { mcpServers: { trackio: { type: "http", url, ...(headers ? { headers } : {}) } } },
      claude_code: `claude mcp add --transport http${header} trackio ${url}`,
    },
  };
}

export function renderClientConfig(config: ClientConfig): string {
  return [
    "# Claude Desktop: add to claude_desktop_config.json (Settings > Developer > Edit Config)",
    ...(config.claude_desktop.mcpServers.trackio.env
      ? [
        '# Private Space: replace ${HF_TOKEN} with a read token, or remove "env" after `hf auth login`',
        "# (the server then reads the Hugging Face CLI's token file).",
      ]
      : []),
    JSON.stringify(config.claude_desktop, null, 2),
    "",
    "# Claude Code: run once",
    config.claude_code,
    "",
    `# Over HTTP: start \`trackio-cli mcp --http\`, then use this URL (Claude Code: .mcp.json, or the line below)`,
    JSON.stringify(config.http.config, null, 2),
    config.http.claude_code,
    "",
  ].join("\n");
}
