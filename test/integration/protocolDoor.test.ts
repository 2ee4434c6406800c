// The protocol's door, the same over stdio and over a team server's WebSocket: a request may leave
// `params` out (JSON-RPC allows it), which a method whose params are all optional reads as `{}` and a
// method that needs params answers `Invalid`, naming what it needs and changing nothing; and each
// error kind has a code of its own, none of them LSP's ServerNotInitialized (-32002).
import { strict as assert } from 'node:assert';
import { ResponseError, type MessageConnection } from 'vscode-jsonrpc';
import * as Protocol from '../../server/protocol';
import { allOptional, SERVER_REQUESTS } from '../support/protocolRequests';
import { startServer, type ServerHandle } from '../support/serverProcess';
import { assertStoreUnchanged, storeSnapshot } from '../support/storeSnapshot';
import { connectEditor, startTeamServer, userWithToken, type TeamEditor, type TeamServer } from '../support/teamServer';

/** LSP's code for a request before `initialize` or after `shutdown`, which only the lifecycle gate answers. */
const SERVER_NOT_INITIALIZED = -32002;

interface Door {
  readonly store: string;
  readonly connection: MessageConnection;
}

/** The request's answer or its error, whichever comes. */
async function answerOf(promise: Promise<unknown>): Promise<{ result?: unknown; error?: ResponseError<Protocol.ErrorData | undefined> }> {
  try {
    return { result: await promise };
  } catch (error) {
    if (error instanceof ResponseError) return { error: error as ResponseError<Protocol.ErrorData | undefined> };
    throw error;
  }
}

function theDoor(transport: string, open: () => Promise<Door>) {
  describe(`the protocol's door over ${transport}`, () => {
    let door: Door;
    before(async () => {
      door = await open();
    });

    const optional = SERVER_REQUESTS.filter(allOptional);
    const needing = SERVER_REQUESTS.filter((definition) => !allOptional(definition));

    it('the protocol has requests of both kinds to try', () => {
      assert.ok(optional.some((definition) => definition.method === Protocol.Status.method), 'status takes no params');
      assert.ok(optional.some((definition) => definition.method === Protocol.RunsList.method), 'runs/list takes only optional ones');
      assert.ok(needing.length > 30, `${needing.length} requests need params`);
    });

    it('a request without params, to a method whose params are all optional, is answered as if it sent {}', async () => {
      for (const definition of optional) {
        // sendRequest with no params after the method sends a request with no `params` member.
        const omitted = await answerOf(door.connection.sendRequest(definition.method));
        assert.equal(omitted.error, undefined, `${definition.method} without params: ${omitted.error?.message}`);
        assert.deepEqual(omitted.result, await door.connection.sendRequest(definition.method, {}), `${definition.method} without params answers as with {}`);
      }
    });

    it('a request without params, to a method that needs some, is Invalid in words, names what it needs, and changes nothing', async () => {
      for (const definition of needing) {
        const before = storeSnapshot(door.store);
        const { error } = await answerOf(door.connection.sendRequest(definition.method));
        assert.ok(error, `${definition.method} without params was answered with success`);
        assert.equal(error.code, Protocol.ErrorCodes.Invalid, `${definition.method}: ${error.message}`);
        assert.equal(error.data?.kind, 'Invalid', `${definition.method}: ${error.message}`);
        assert.match(error.message, new RegExp(`^Invalid parameters for ${definition.method}: the request carried none; it needs \\w`));
        assert.doesNotMatch(error.message, /defines \d+ params/);
        assertStoreUnchanged(door.store, before, `${definition.method} without params`);
      }
    });

    it('Conflict answers with a code of its own, not ServerNotInitialized (-32002)', async () => {
      const space = { name: `Payments over ${transport}`, parentId: 'root', inheritEntities: true };
      await door.connection.sendRequest(Protocol.SpacesCreate.method, space);
      const { error } = await answerOf(door.connection.sendRequest(Protocol.SpacesCreate.method, space));
      assert.equal(error?.data?.kind, 'Conflict', error?.message);
      assert.equal(error.code, Protocol.ErrorCodes.Conflict);
      assert.notEqual(error.code, SERVER_NOT_INITIALIZED);
    });
  });
}

describe('The protocol\'s door', function () {
  this.timeout(60_000);
  let server: ServerHandle | undefined;
  let team: TeamServer | undefined;
  let editor: TeamEditor | undefined;
  after(async () => {
    await editor?.close();
    await team?.stop();
    await server?.stop();
  });

  theDoor('stdio', async () => {
    server = await startServer();
    return server;
  });

  theDoor('a team server\'s WebSocket', async () => {
    // Nothing leaves the machine: a call to Bitbucket meets a closed loopback port.
    team = await startTeamServer({ args: ['--bitbucket-api', 'http://127.0.0.1:9'] });
    editor = await connectEditor(team.url, await userWithToken(team, 'ana', true));
    return { store: team.store, connection: editor.connection };
  });
});
