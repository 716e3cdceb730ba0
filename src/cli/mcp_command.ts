import { CACHE_ENV } from "./mcp_cache.ts";
import { DEFAULT_CACHE_MB } from "../tools/run_cache.ts";
import { Command, Option } from "@commander-js/extra-typings";
import { DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV } from "../mcp/settings.ts";
import { addCommonOptions, type CommonOptions } from "./common_options.ts";

export const MCP_EXAMPLES = [
  "trackio-cli mcp --print-config",
  "trackio-cli mcp --http --port 7860",
  "trackio-cli mcp --demo",
];

export interface McpOptions extends CommonOptions {
  http?: boolean;
  host: string;
  port: string;
  token?: string;
  allowHost: string[];
  printConfig?: boolean;
  cacheMb?: string;
}

export function mcpCommand(): Command {
  const command = new Command("mcp")
    .summary("Serve every tool to AI agents (Claude Desktop, Claude Code) as an MCP server.")
    .description(
      "Serve every tool to AI agents as an MCP server: over stdio (the default; configure it in Claude " +
        "Desktop or Claude Code) or, with --http, over streamable HTTP at http://127.0.0.1:7860/mcp " +
        "(also /gradio_api/mcp/, Trackio's URL). Read-only. --print-config prints the client configuration.",
    )
    .option("--http", "serve streamable HTTP instead of stdio")
    .option(
      "--host <host>",
      "address to listen on with --http (anything but loopback needs a token)",
      DEFAULT_HOST,
    )
    .option("--port <port>", "port to listen on with --http (0 picks a free one)", String(DEFAULT_PORT))
    .option("--token <token>", `bearer token HTTP clients must send (default: $${TOKEN_ENV})`)
    .addOption(
      new Option("--allow-host <name...>", "extra Host names clients may use to reach the server").default(
        [],
      ),
    )
    .option(
      "--cache-mb <megabytes>",
      `memory for what is derived from each run between calls, so a repeat question reads only new rows ` +
        `(default: $${CACHE_ENV} or ${DEFAULT_CACHE_MB}; 0 turns it off)`,
    )
    .option("--print-config", "print ready-to-paste client configuration and exit");
  addCommonOptions(command as unknown as Command<[], Record<string, unknown>>);
  command.addHelpText("after", `\nExamples:\n${MCP_EXAMPLES.map((e) => `  $ ${e}`).join("\n")}\n`);
  // The MCP SDK loads only when this command runs, so every other command starts faster.
  command.action(async (raw) => {
    const { runMcp } = await import("./mcp_serve.ts");
    await runMcp(raw as unknown as McpOptions);
  });
  return command as unknown as Command;
}
