/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { consoleHref, type PagePlace } from "./layout.js";
import { MESSAGE_COLUMNS } from "./message-columns.js";

/** A table the client fills, with a caption for screen readers and room to scroll on a phone. */
function DataTable(props: { id: string; caption: string; columns: string[] }) {
  return (
    <div class="scroll">
      <table id={props.id}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col">{c}</th>
            ))}
          </tr>
        </thead>
        <tbody />
      </table>
    </div>
  );
}

/** Previous / next buttons and where the page is; the client wires them. */
function Pager(props: { id: string; label: string }) {
  return (
    <nav class="pager" id={props.id} aria-label={props.label}>
      <button type="button" data-dir="prev" disabled>
        Previous
      </button>
      <span aria-live="polite" />
      <button type="button" data-dir="next" disabled>
        Next
      </button>
    </nav>
  );
}

export function SignInPage() {
  return (
    <form id="sign-in" class="card">
      <p>
        Sign in with a broker token (<code>EDGEQ_TOKENS</code>). It is kept in this tab only
        (sessionStorage) and sent to the broker's API, nothing else.
      </p>
      <label for="token">Token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required />
      <p id="sign-in-error" class="error" role="alert" />
      <button type="submit" class="primary">
        Sign in
      </button>
    </form>
  );
}

export function TopicsPage() {
  return (
    <>
      <DataTable
        id="topics"
        caption="Topics this token may use"
        columns={[
          "Topic",
          "Queues",
          "Messages",
          "Head offsets",
          "Min offsets",
          "Bytes",
          "Scheduled",
          "Pending transactions",
          "Groups",
        ]}
      />
      <Pager id="topics-pager" label="Topic pages" />
    </>
  );
}

function TopicLinks(props: PagePlace) {
  return (
    <nav class="links" aria-label="Topic views">
      <a href={consoleHref(props)}>Overview</a>
      <a href={consoleHref(props, "/messages")}>Messages</a>
      <a href={consoleHref(props, "/transactions")}>Transactions</a>
    </nav>
  );
}

export function TopicPage(props: PagePlace) {
  return (
    <>
      <TopicLinks {...props} />
      <section aria-labelledby="chart-title">
        <h2 id="chart-title">Lag and rates, last 15 minutes</h2>
        <div class="charts">
          <figure class="chart" id="lag-chart">
            <figcaption>Loading the lag per group…</figcaption>
          </figure>
          <figure class="chart" id="rate-chart">
            <figcaption>Loading the rates…</figcaption>
          </figure>
        </div>
      </section>
      <section aria-labelledby="queues-title">
        <h2 id="queues-title">Queues</h2>
        <DataTable
          id="queues"
          caption="Each queue of the topic"
          columns={[
            "Queue",
            "Min offset",
            "Head offset",
            "Bytes",
            "Scheduled",
            "Pending transactions",
          ]}
        />
      </section>
      <section aria-labelledby="replication-title" id="replication-section" hidden>
        <h2 id="replication-title">Replication</h2>
        <DataTable
          id="replication"
          caption="Each queue's primary and the state of each replica"
          columns={["Queue", "Primary", "Term", "Last batch", "Replicas"]}
        />
      </section>
      <section aria-labelledby="groups-title">
        <h2 id="groups-title">Consumer groups</h2>
        <DataTable
          id="groups"
          caption="Consumer groups of the topic"
          columns={["Group", "Lag", "Lag per queue", "In flight", "Retrying", "Dead letters"]}
        />
        <Pager id="groups-pager" label="Group pages" />
      </section>
      <section aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <p id="settings-notice" />
        <p class="meta">
          Durations in ms, s, min, h or d; sizes in B, KiB, MiB or GiB; "no limit" for no limit. The
          broker checks every value and changes nothing when it refuses one.
        </p>
        <form id="settings" class="settings" hidden />
        <div class="actions">
          <button type="button" id="purge-topic" class="danger" hidden>
            Purge topic
          </button>
        </div>
      </section>
    </>
  );
}

function Field(props: {
  id: string;
  label: string;
  children?: Child;
  type?: string;
  min?: number;
  step?: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children ?? (
        <input
          id={props.id}
          name={props.id}
          type={props.type ?? "text"}
          min={props.min}
          step={props.step}
        />
      )}
    </div>
  );
}

/** A compact message table (client/message-table.ts fills it: one row per message, its body on opening). */
function MessageTable(props: { id: string; caption: string }) {
  return (
    <div class="scroll">
      <table id={props.id} class="messages">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            {MESSAGE_COLUMNS.map((c) => (
              <th scope="col">{c}</th>
            ))}
          </tr>
        </thead>
      </table>
    </div>
  );
}

export function MessagesPage(props: PagePlace) {
  return (
    <>
      <TopicLinks {...props} />
      <section aria-labelledby="publish-title" id="publish-section" hidden>
        <h2 id="publish-title">Publish a test message</h2>
        <form id="publish">
          <Field id="publish-body" label="Body (JSON)">
            <textarea id="publish-body" name="publish-body" rows={3} spellcheck={false}>
              {'{"test": true}'}
            </textarea>
          </Field>
          <Field id="publish-key" label="Key (optional)" />
          <button type="submit">Publish</button>
        </form>
        <p id="publish-result" role="status" />
      </section>
      <section aria-labelledby="browse-title">
        <h2 id="browse-title">Browse a queue</h2>
        <form id="browse" class="inline">
          <Field id="queue" label="Queue">
            <select id="queue" name="queue" />
          </Field>
          <Field id="from" label="From offset" type="number" min={0} />
          <button type="submit">Show</button>
        </form>
        <Pager id="browse-pager" label="Message pages" />
        <MessageTable
          id="browse-list"
          caption="Messages of the queue, by offset; open one for its body"
        />
      </section>
      <section aria-labelledby="find-title">
        <h2 id="find-title">Find a message</h2>
        <form id="find" class="inline">
          <Field id="find-by" label="By">
            <select id="find-by" name="by">
              <option value="msgId">Message id</option>
              <option value="key">Key</option>
            </select>
          </Field>
          <Field id="find-value" label="Value" />
          <button type="submit">Find</button>
        </form>
        <MessageTable id="find-list" caption="Messages found" />
      </section>
      <section aria-labelledby="tail-title">
        <h2 id="tail-title">Live tail</h2>
        <button type="button" id="tail-toggle" aria-pressed="false">
          Follow new messages
        </button>
        <MessageTable id="tail-list" caption="New messages, newest first" />
      </section>
    </>
  );
}

export function GroupPage(props: PagePlace) {
  return (
    <>
      <nav class="links" aria-label="Group views">
        <a href={consoleHref(props)}>Topic {props.topic}</a>
        <a
          id="dead-letters-link"
          href={consoleHref(props, `/groups/${encodeURIComponent(props.group ?? "")}/dead-letters`)}
        >
          Dead letters
        </a>
      </nav>
      <p id="group-summary" />
      <DataTable
        id="group-queues"
        caption="The group on each queue"
        columns={[
          "Queue",
          "Committed offset",
          "Head offset",
          "Lag",
          "In flight",
          "Retrying",
          "Dead letters",
        ]}
      />
      <section aria-labelledby="reset-title">
        <h2 id="reset-title">Reset offsets</h2>
        <form id="reset" class="inline">
          <Field id="reset-to" label="To">
            <select id="reset-to" name="to">
              <option value="earliest">earliest retained</option>
              <option value="latest">latest (skip the backlog)</option>
              <option value="offset">an offset</option>
              <option value="time">a time</option>
            </select>
          </Field>
          <Field id="reset-queue" label="Queue">
            <select id="reset-queue" name="queue" />
          </Field>
          <Field id="reset-offset" label="Offset" type="number" min={0} />
          <Field id="reset-time" label="Time" type="datetime-local" step="0.001" />
          <button type="submit">Reset…</button>
        </form>
        <p id="reset-error" class="error" role="alert" />
        <p id="reset-result" role="status" />
      </section>
      <section aria-labelledby="delivery-title">
        <h2 id="delivery-title">Delivery</h2>
        <p id="group-settings">Loading the group's settings…</p>
        <div class="actions" id="group-actions" hidden>
          <button type="button" id="pause-group">
            Pause
          </button>
          <button type="button" id="purge-group" class="danger">
            Purge backlog
          </button>
          <button type="button" id="delete-group" class="danger">
            Delete group
          </button>
        </div>
        <form id="group-settings-form" class="settings" hidden />
        <DataTable
          id="blocked-keys"
          caption="Keys holding messages back (ordered or flow-controlled groups), most waiting first"
          columns={["Key", "Queue", "Waiting", "Blocked by"]}
        />
      </section>
    </>
  );
}

export function DeadLettersPage(props: PagePlace) {
  return (
    <>
      <nav class="links" aria-label="Group views">
        <a href={consoleHref(props, `/groups/${encodeURIComponent(props.group ?? "")}`)}>
          Group {props.group}
        </a>
      </nav>
      <div class="actions" id="redrive-actions" hidden>
        <button type="button" id="redrive-selected" disabled>
          Redrive selected
        </button>
        <button type="button" id="redrive-all">
          Redrive all
        </button>
        <button type="button" id="discard-selected" class="danger" disabled>
          Delete selected
        </button>
        <button type="button" id="discard-all" class="danger">
          Delete all
        </button>
      </div>
      <DataTable
        id="dead-letters"
        caption="Dead letters of the group, oldest first"
        columns={["Select", "Message", "Reason", "Delivery count", "Dead since", "Body", "Action"]}
      />
      <button type="button" id="dead-more" hidden>
        Show more
      </button>
    </>
  );
}

export function TransactionsPage(props: PagePlace) {
  return (
    <>
      <TopicLinks {...props} />
      <DataTable
        id="transactions"
        caption="Transactions awaiting a decision"
        columns={["Transaction", "Producer", "State", "Created", "Checks", "Messages", "Decide"]}
      />
    </>
  );
}
