# frozen_string_literal: true

Rails.application.routes.draw do
  post "/deals/:id/stage", to: "deals#stage"
end
