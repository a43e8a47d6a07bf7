# frozen_string_literal: true

# The HTTP path's Rails half: the page a browser loads carries an access token (meta tags), and /kjp/access_token
# hands out a fresh one before it expires. The signed-in user and account come from the request (headers, or
# query parameters for a page opened by a browser): an app's authentication would set them. The token itself
# authorises nothing in Rails; the HTTP API checks it.
class AccessTokensController < ActionController::API
  include KinesisJwtPipeline::AccessTokenHelper

  SCOPES = %w[pipeline:read notes:write].freeze

  def show
    user, account = identity
    return head(:unauthorized) unless user
    response.headers["Cache-Control"] = "no-store"
    render json: kjp_access_token_payload(sub: user, account: account, scopes: SCOPES)
  end

  # A bare page for the browser test: the token in meta tags, the refresh snippet, and where the API is.
  def page
    user, account = identity
    return head(:unauthorized) unless user
    refresh = "/kjp/access_token?user=#{CGI.escape(user)}&account=#{CGI.escape(account)}"
    response.headers["Cache-Control"] = "no-store"
    render html: <<~HTML.html_safe
      <!doctype html>
      <html><head><meta charset="utf-8"><title>kjp</title>
      #{kjp_access_token_meta_tags(sub: user, account: account, scopes: SCOPES)}
      <meta name="kjp-http-api" content="#{ERB::Util.html_escape(ENV.fetch('KJP_HTTP_API_URL', ''))}">
      <meta name="kjp-account" content="#{ERB::Util.html_escape(account)}">
      <meta name="kjp-user" content="#{ERB::Util.html_escape(user)}">
      <script>#{KinesisJwtPipeline::AccessTokenHelper::REFRESH_SCRIPT}(#{refresh.to_json});</script>
      </head><body>kjp</body></html>
    HTML
  end

  private

  def identity
    user = request.headers["X-User-Id"].presence || params[:user].presence
    account = request.headers["X-Account-Id"].presence || params[:account].presence
    [user, account] if user && account
  end
end
