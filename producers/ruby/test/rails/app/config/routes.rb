# frozen_string_literal: true

Rails.application.routes.draw do
  post "/deals/:id/stage", to: "deals#stage"
  get "/kjp/access_token", to: "access_tokens#show"
  get "/app", to: "access_tokens#page"
end
