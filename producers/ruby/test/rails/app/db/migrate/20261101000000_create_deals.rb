# frozen_string_literal: true

class CreateDeals < ActiveRecord::Migration[6.1]
  def change
    create_table :deals do |t|
      t.string :account_id, null: false
      t.string :stage, null: false
      t.timestamps
    end
  end
end
