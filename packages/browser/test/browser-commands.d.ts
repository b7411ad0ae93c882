export {};

declare module "vitest/browser" {
  interface BrowserCommands {
    /** `newBrowser`: in a new browser context, sharing no storage with the test's page (see setup/commands.ts). */
    openPage(path: string, options?: { newBrowser?: boolean }): Promise<string>;
    evalInPage(id: string, expression: string): Promise<unknown>;
    closePage(id: string): Promise<void>;
  }
}
