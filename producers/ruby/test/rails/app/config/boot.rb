# frozen_string_literal: true

# A real app runs `require "bundler/setup"` here. These tests use Debian's Rails and gems without Bundler, so
# the gem and the tests' Kinesis JSON client (aws-sdk-kinesis is not packaged by Debian) come from this checkout.
%w[../../../../lib ../../../support].each do |dir|
  path = File.expand_path(dir, __dir__)
  $LOAD_PATH.unshift(path) unless $LOAD_PATH.include?(path)
end
ENV["RAILS_ENV"] ||= "test"
