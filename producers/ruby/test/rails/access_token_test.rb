# frozen_string_literal: true

require_relative "rails_app"
require "test_helper"
require "rack/test"

# The Rails half of the HTTP path: access tokens from the helper, through a request to the test app.
class RailsAccessTokenTest < Minitest::Test
  include Rack::Test::Methods

  def app
    Rails.application
  end

  def setup
    RailsApp.restore!
  end

  def decode(part)
    JSON.parse(Base64.urlsafe_decode64(part + ("=" * ((4 - (part.length % 4)) % 4))))
  end

  def test_the_endpoint_issues_a_short_lived_access_token_for_the_requests_user_and_account
    now = Time.now.to_i
    get "/kjp/access_token", {}, { "HTTP_X_USER_ID" => "usr_0000001A", "HTTP_X_ACCOUNT_ID" => "acc_0000042A" }
    assert_equal 200, last_response.status, last_response.body
    assert_equal "no-store", last_response.headers["Cache-Control"]
    body = JSON.parse(last_response.body)
    header_b64, claims_b64, = body.fetch("token").split(".")
    assert_equal({ "alg" => "ES256", "kid" => "crm-rails-test", "typ" => "kjp-access+jwt" }, decode(header_b64))
    claims = decode(claims_b64)
    assert_equal %w[iss aud iat exp jti sub account scope], claims.keys
    assert_equal ["crm-rails", "kjp-test-http", "usr_0000001A", "acc_0000042A", "pipeline:read notes:write"],
                 claims.values_at("iss", "aud", "sub", "account", "scope")
    assert_in_delta now, claims["iat"], 5
    assert_equal 300, claims["exp"] - claims["iat"], "minutes, not the days of a queue message"
    assert_equal 240, body["refresh_in"], "refreshed at 80% of the lifetime"
  end

  def test_an_access_token_never_verifies_as_a_queue_message
    get "/kjp/access_token", {}, { "HTTP_X_USER_ID" => "usr_0000001A", "HTTP_X_ACCOUNT_ID" => "acc_0000042A" }
    token = JSON.parse(last_response.body).fetch("token")
    err = assert_raises(KinesisJwtPipeline::VerificationError) { RailsApp.verifier.verify(token) }
    assert_equal "header", err.reason
  end

  def test_the_page_carries_the_token_and_the_refresh_snippet
    get "/app", { user: "usr_0000001A", account: "acc_0000042A" }
    assert_equal 200, last_response.status
    assert_match(/<meta name="kjp-access-token" content="[\w-]+\.[\w-]+\.[\w-]+">/, last_response.body)
    assert_includes last_response.body, "window.kjpAccessToken"
    assert_includes last_response.body, "/kjp/access_token?user=usr_0000001A\\u0026account=acc_0000042A"
  end

  def test_no_identity_no_token
    get "/kjp/access_token"
    assert_equal 401, last_response.status
  end

  def test_lifetimes_and_scopes_the_api_would_refuse_are_refused_at_the_call_site
    err = assert_raises(KinesisJwtPipeline::InvalidMessageError) do
      KinesisJwtPipeline.access_token(sub: "u", account: "a", scopes: %w[notes:write], ttl: 7200)
    end
    assert_match(/1\.\.3600/, err.message)
    assert_raises(KinesisJwtPipeline::InvalidMessageError) do
      KinesisJwtPipeline.access_token(sub: "u", account: "a", scopes: %w[admin])
    end
    assert_raises(KinesisJwtPipeline::InvalidMessageError) do
      KinesisJwtPipeline.access_token(sub: "", account: "a", scopes: [])
    end
  end
end
