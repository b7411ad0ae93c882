export {};

declare module "vitest/browser" {
  interface BrowserCommands {
    openPage(path: string): Promise<string>;
    evalInPage(id: string, expression: string): Promise<unknown>;
    closePage(id: string): Promise<void>;
  }
}
