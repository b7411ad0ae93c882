export {};

declare module "vitest/browser" {
  interface BrowserCommands {
    /** Opens a page in a browser context of its own, whose network can go offline (setup/commands.ts). */
    openApp(path: string): Promise<string>;
    evalInApp(id: string, expression: string): Promise<unknown>;
    setAppOffline(id: string, offline: boolean): Promise<void>;
    closeApp(id: string): Promise<void>;
  }
}
