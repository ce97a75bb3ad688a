// A second, independent OpenID Provider for Helsekiosk's interop tests: panva's oidc-provider (a certified
// implementation), configured as a municipality's broker in front of ID-porten would be. Started by the Go
// package internal/testkit/nodeop, which passes the configuration as JSON in NODEOP_CONFIG and reads the
// lines this prints: first {"event":"listening","issuer":…}, then one JSON object a line per event (never a
// token). Test support only: personas without passwords, everything in memory.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const cfg = JSON.parse(process.env.NODEOP_CONFIG || '{}');
const users = new Map((cfg.users || []).map((u) => [u.username, u]));
const resource = cfg.resource;
const accessTTL = cfg.access_ttl || 60;

function log(event, fields = {}) {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>${body}</body></html>`;

const server = http.createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: cfg.clients || [],
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  jwks: { keys: [(await crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })).privateKey.export({ format: 'jwk' })] },
  acrValues: ['idporten-loa-high', 'idporten-loa-substantial'],
  claims: { openid: ['sub'], pid: ['pid'] },
  scopes: ['openid', 'offline_access'],
  // The broker's personas: sub is the username, pid the person's identity number.
  async findAccount(_ctx, id) {
    const u = users.get(id);
    if (!u) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...(u.pid ? { pid: u.pid } : {}) }; } };
  },
  // Access tokens for the API carry pid and acr (as ID-porten's do); the acr is the login's.
  async extraTokenClaims(ctx, token) {
    if (!token.accountId) return undefined;
    const u = users.get(token.accountId);
    const e = ctx.oidc.entities;
    const src = e.AuthorizationCode || e.DeviceCode || e.RefreshToken;
    const acr = src?.acr || u?.acr;
    return { ...(u?.pid ? { pid: u.pid } : {}), ...(acr ? { acr } : {}) };
  },
  ttl: {
    AccessToken: accessTTL,
    ClientCredentials: accessTTL,
    RefreshToken: 8 * 3600,
    DeviceCode: 600,
    Interaction: 600,
    Session: 600,
    Grant: 8 * 3600,
    AuthorizationCode: 60,
    IdToken: 600,
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    deviceFlow: {
      enabled: true,
      userCodeInputSource(ctx, form, _out, err) {
        ctx.body = page('Device', `<h1>Enter the code</h1>${err ? `<p class="error">${esc(err.name)}</p>` : ''}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`);
      },
      userCodeConfirmSource(ctx, form, client, _info, userCode) {
        ctx.body = page('Confirm', `<h1>Confirm ${esc(client.clientId)}</h1><p>Code <code>${esc(userCode)}</code></p>${form}<button type="submit" form="op.deviceConfirmForm">Continue</button>`);
      },
      successSource(ctx) {
        ctx.body = page('Done', '<p class="done">Device authorization allowed.</p>');
      },
    },
    revocation: { enabled: true },
    introspection: { enabled: true },
    clientCredentials: { enabled: true },
    rpInitiatedLogout: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo(_ctx, indicator) {
        if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
        return {
          scope: cfg.resource_scope || 'helsekiosk kiosk',
          audience: resource,
          accessTokenTTL: accessTTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.proxy = false;

for (const ev of ['grant.error', 'authorization.error', 'revocation.error', 'introspection.error', 'server_error',
  'device_authorization.error', 'end_session.error']) {
  provider.on(ev, (_ctx, err) => log(ev, { error: err.error || err.name, description: err.error_description || err.message }));
}
provider.on('interaction.started', (ctx, prompt) => log('interaction.started', {
  prompt: prompt.name, reasons: prompt.reasons, client: ctx.oidc.client?.clientId,
  requested_prompt: ctx.oidc.params.prompt || null, scope: ctx.oidc.params.scope || null,
}));
provider.on('authorization.success', (ctx) => log('authorization.success', {
  client: ctx.oidc.client?.clientId, response_mode: ctx.oidc.params?.response_mode || "query",
}));
provider.on('grant.success', (ctx) => log('grant.success', {
  grant_type: ctx.oidc.params.grant_type, client: ctx.oidc.client?.clientId,
  refresh_token: Boolean(ctx.body?.refresh_token), scope: ctx.body?.scope || null, expires_in: ctx.body?.expires_in,
}));
provider.on('refresh_token.consumed', (token) => log('refresh_token.consumed', { client: token.clientId, account: token.accountId }));
provider.on('refresh_token.destroyed', (token) => log('refresh_token.destroyed', { client: token.clientId, account: token.accountId }));
provider.on('grant.revoked', (_ctx, grantId) => log('grant.revoked', { grant: grantId.slice(0, 6) }));

async function body(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

// The broker's own pages: the login (a persona per button, as a test citizen picks one; Deny) and the
// consent (Allow, listing what the kiosk asks for, offline_access among it).
async function interaction(req, res) {
  const url = new URL(req.url, issuer);
  const [, , uid, step] = url.pathname.split('/');
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    const { prompt, params, session } = details;
    if (req.method === 'GET') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      if (prompt.name === 'login') {
        const buttons = [...users.values()].map((u) => `<p><button type="submit" id="user-${esc(u.username)}" name="user" value="${esc(u.username)}">${esc(u.username)} (${esc(u.acr)})</button></p>`).join('');
        res.end(page('Log in', `<h1>Log in to ${esc(params.client_id)}</h1><form method="post" action="/interaction/${uid}/login">${buttons}<p><button type="submit" id="deny" name="action" value="deny">Deny</button></p></form>`));
      } else {
        const scopes = [...(prompt.details.missingOIDCScope || []), ...Object.values(prompt.details.missingResourceScopes || {}).flat()];
        res.end(page('Consent', `<h1>Let ${esc(params.client_id)} act for you?</h1><p id="scopes">${esc(scopes.join(' '))}</p><form method="post" action="/interaction/${uid}/consent"><button type="submit" id="allow" name="action" value="allow">Allow</button><button type="submit" id="deny" name="action" value="deny">Deny</button></form>`));
      }
      return;
    }
    const form = await body(req);
    if (form.get('action') === 'deny') {
      log('interaction.denied', { prompt: prompt.name, client: params.client_id });
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the user denied the login' }, { mergeWithLastSubmission: false });
      return;
    }
    if (step === 'login' && prompt.name === 'login') {
      const u = users.get(form.get('user'));
      if (!u) throw new Error('unknown user');
      log('interaction.login', { client: params.client_id, user: u.username, acr: u.acr });
      await provider.interactionFinished(req, res, { login: { accountId: u.username, acr: u.acr, amr: ['pwd'] } }, { mergeWithLastSubmission: false });
      return;
    }
    if (step === 'consent' && prompt.name === 'consent') {
      const { accountId } = session;
      const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: params.client_id });
      const d = prompt.details;
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      for (const [indicator, scope] of Object.entries(d.missingResourceScopes || {})) grant.addResourceScope(indicator, scope.join(' '));
      const grantId = await grant.save();
      log('interaction.consent', { client: params.client_id, user: accountId, scope: (d.missingOIDCScope || []).join(' '), offline_access: (d.missingOIDCScope || []).includes('offline_access'), requested_prompt: params.prompt || null });
      await provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    throw new Error(`unexpected step ${step} for prompt ${prompt.name}`);
  } catch (err) {
    log('interaction.error', { error: err.message });
    res.statusCode = 400;
    res.end(page('Error', `<p class="error">${esc(err.message)}</p>`));
  }
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res);
    return;
  }
  callback(req, res);
});
log('listening', { issuer, version: cfg.version || null });
process.on('SIGTERM', () => { server.close(); process.exit(0); });
