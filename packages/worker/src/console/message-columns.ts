/** The columns of a console message table: the page renders them, client/message-table.ts fills the rows. */
export const MESSAGE_COLUMNS = ["Queue/offset", "Message id", "Key", "Tags", "Size", "Produced"];
