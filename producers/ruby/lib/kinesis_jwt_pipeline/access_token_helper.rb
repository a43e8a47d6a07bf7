# frozen_string_literal: true

require "json"

module KinesisJwtPipeline
  # What a Rails app needs to hand access tokens to its front end (the Railtie includes it in views and
  # controllers):
  #   <%= kjp_access_token_meta_tags(sub: current_user.id, account: current_account.id, scopes: %w[pipeline:read]) %>
  # puts the token and its expiry in the page; an endpoint that calls `render json: kjp_access_token_payload(...)`
  # lets the page refresh it before it expires (KinesisJwtPipeline::AccessTokenHelper::REFRESH_SCRIPT does that).
  # The token lives in page memory only: never in localStorage or a cookie (docs/contract.md, threat model).
  module AccessTokenHelper
    # Refreshes at 80% of the lifetime, so a request in flight never carries a token about to expire.
    REFRESH_AT = 0.8

    def kjp_access_token_payload(sub:, account:, scopes:, ttl: nil, now: Time.now.to_i)
      ttl ||= KinesisJwtPipeline.configuration.access_ttl
      token = KinesisJwtPipeline.access_token(sub: sub, account: account, scopes: scopes, ttl: ttl, now: now)
      { "token" => token, "expires_at" => now + ttl, "refresh_in" => (ttl * REFRESH_AT).floor }
    end

    def kjp_access_token_meta_tags(**kw)
      payload = kjp_access_token_payload(**kw)
      tags = [%(<meta name="kjp-access-token" content="#{payload['token']}">),
              %(<meta name="kjp-access-token-refresh-in" content="#{payload['refresh_in']}">)]
      html = tags.join("\n")
      html.respond_to?(:html_safe) ? html.html_safe : html
    end

    # A front-end snippet for pages that use the meta tags: window.kjpAccessToken() always returns a current
    # token, fetching a fresh one from `refresh_path` (same origin, the session cookie authenticates it).
    REFRESH_SCRIPT = <<~JS
      (function (refreshPath) {
        var token = document.querySelector('meta[name="kjp-access-token"]').content;
        var refreshIn = Number(document.querySelector('meta[name="kjp-access-token-refresh-in"]').content);
        function schedule(seconds) {
          setTimeout(function () {
            fetch(refreshPath, { credentials: "same-origin" }).then(function (r) { return r.json(); })
              .then(function (p) { token = p.token; schedule(p.refresh_in); })
              .catch(function () { schedule(5); });
          }, seconds * 1000);
        }
        schedule(refreshIn);
        window.kjpAccessToken = function () { return token; };
      })
    JS
  end
end
