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
 * servers from the user's shell, so an environment variable set here would be lost: say it as --dir.
 */
export function dataArgs(dataDir: DataDir): string[] {
  if (dataDir.source === "demo") return ["--demo"];
  if (dataDir.source === "default") return [];
  return ["--dir", resolve(dataDir.path)];
}

export interface ClientConfig {
  /** For claude_desktop_config.json (and any client that starts a stdio server). */
  claude_desktop: { mcpServers: { trackio: { command: string; args: string[] } } };
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

export function clientConfig(dataDir: DataDir, url: string, withToken: boolean): ClientConfig {
  const { command, args } = launchCommand();
  const serverArgs = [...args, "mcp", ...dataArgs(dataDir)];
  // The token itself is never printed: clients expand ${VAR} from their environment.
  const headers = withToken ? { Authorization: `Bearer \${${TOKEN_ENV}}` } : undefined;
  const header = withToken ? ` --header "Authorization: Bearer $${TOKEN_ENV}"` : "";
  return {
    claude_desktop: { mcpServers: { trackio: { command, args: serverArgs } } },
    claude_code: `claude mcp add trackio -- ${[command, ...serverArgs].map(shellQuote).join(" ")}`,
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
